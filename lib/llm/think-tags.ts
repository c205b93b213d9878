const OPENING = "<think>";
const CLOSING = "</think>";
/** Put between two runs of the same kind that a tag pair separated. */
const SEPARATOR = "\n";

/**
 * Where `tag` starts in `text`, or where a prefix of it ends the text (the
 * rest may come with the next delta); null when neither.
 */
function tagStart(text: string, tag: string): number | null {
  const index = text.indexOf(tag);
  if (index !== -1) return index;
  for (let length = Math.min(tag.length - 1, text.length); length > 0; length--) {
    if (text.endsWith(tag.slice(0, length))) return text.length - length;
  }
  return null;
}

/**
 * Splits streamed content on `<think>…</think>`, as older reasoning models
 * write their reasoning into the answer: what is inside goes to `reasoning`,
 * the rest to `text`, with the AI SDK's extractReasoningMiddleware's rules (a
 * newline between two runs of the same kind that a tag pair separated). A
 * delta with no `<` and nothing held back goes straight through.
 */
export function createThinkSplitter(sink: { text(delta: string): void; reasoning(delta: string): void }) {
  let inside = false;
  let held = "";
  let firstText = true;
  let firstReasoning = true;
  let afterSwitch = false;
  const publish = (delta: string) => {
    if (delta.length === 0) return;
    const first = inside ? firstReasoning : firstText;
    const out = afterSwitch && !first ? SEPARATOR + delta : delta;
    afterSwitch = false;
    if (inside) {
      firstReasoning = false;
      sink.reasoning(out);
    } else {
      firstText = false;
      sink.text(out);
    }
  };
  return {
    text(delta: string): void {
      if (held === "" && !delta.includes("<")) {
        publish(delta);
        return;
      }
      held += delta;
      for (;;) {
        const tag = inside ? CLOSING : OPENING;
        const start = tagStart(held, tag);
        if (start === null) {
          publish(held);
          held = "";
          return;
        }
        publish(held.slice(0, start));
        if (start + tag.length > held.length) {
          held = held.slice(start);
          return;
        }
        held = held.slice(start + tag.length);
        inside = !inside;
        afterSwitch = true;
      }
    },
    /** The content ended: whatever was held back for a tag that never came is published as it is. */
    flush(): void {
      publish(held);
      held = "";
    },
  };
}
