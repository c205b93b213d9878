import type { ToolEvent } from "../llm/types";
import type { MessagePart } from "../protocol";
import { applyToolChange } from "../protocol/parts";

/**
 * A message's parts in order of appearance, built from the run's stream:
 * consecutive pieces of one kind extend the last part, a change of kind starts
 * a new one. A tool call is one part from its first event on, changed in place
 * by the later ones.
 */
export class PartsBuilder {
  private list: MessagePart[] = [];

  reasoning(delta: string): void {
    this.append("reasoning", delta);
  }

  text(delta: string): void {
    this.append("text", delta);
  }

  /** One change of a tool call, applied as the browser applies it (lib/protocol/tool-parts). */
  tool(event: ToolEvent): void {
    this.list = applyToolChange(this.list, event);
  }

  /** A copy, safe to send or store while the run goes on. */
  snapshot(pendingText = ""): MessagePart[] {
    const copy = this.list.map((part) => ({ ...part }));
    if (pendingText.length === 0) return copy;
    const last = copy.at(-1);
    if (last?.type === "text") last.text += pendingText;
    else copy.push({ type: "text", text: pendingText });
    return copy;
  }

  private append(type: "reasoning" | "text", delta: string): void {
    const last = this.list.at(-1);
    if (last?.type === type) last.text += delta;
    else this.list.push({ type, text: delta });
  }
}
