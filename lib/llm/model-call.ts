import {
  type LanguageModel,
  type LanguageModelUsage,
  type ModelMessage,
  experimental_streamLanguageModelCall as streamLanguageModelCall,
  type ToolSet,
} from "ai";
import type { ReasoningEffort } from "./types";

/** What one model call tells, in order: the parts a step of the answer is made of. */
export type ModelCallPart =
  | { type: "text-delta"; text: string }
  | { type: "reasoning-delta"; text: string }
  | { type: "tool-input-start"; id: string; toolName: string }
  | { type: "tool-input-delta"; id: string; delta: string }
  /** A call the model made; `invalid` when its tool's schema refused it (a tool-error follows). */
  | { type: "tool-call"; toolCallId: string; toolName: string; input: unknown; invalid?: boolean }
  | { type: "tool-error"; toolCallId: string; toolName: string; input: unknown; error: unknown }
  | { type: "model-call-end"; finishReason: string; usage: LanguageModelUsage }
  | { type: "error"; error: unknown };

export type ModelCallInput = {
  instructions?: string;
  messages: ModelMessage[];
  tools?: ToolSet;
  maxOutputTokens?: number;
  temperature?: number;
  reasoning?: ReasoningEffort;
  /** Ends the call: a read in flight ends at once and nothing more is told. */
  abortSignal: AbortSignal;
};

/**
 * One streamed model call: resolves once the model's answer has ended (or the
 * signal aborted), having told every part through `onPart`. A promise returned
 * by `onPart` is waited for before the next part.
 */
export type ModelCall = (
  input: ModelCallInput,
  onPart: (part: ModelCallPart) => void | Promise<void>,
) => Promise<void>;

/**
 * A model call through the AI SDK's streamLanguageModelCall, which turns the
 * messages and tools into the provider's prompt and checks every call against
 * its tool's schema: for models of our own (the demo) and answers streamed by
 * simulation, where the provider's stream transforms cost nothing that matters.
 */
export function sdkModelCall(model: LanguageModel): ModelCall {
  return async (input, onPart) => {
    const { stream } = await streamLanguageModelCall({
      model,
      instructions: input.instructions,
      messages: input.messages,
      tools: input.tools,
      maxOutputTokens: input.maxOutputTokens,
      temperature: input.temperature,
      // OpenAI-compatible providers send this as `reasoning_effort`.
      reasoning: input.reasoning,
      abortSignal: input.abortSignal,
      // Nothing here reads the content the SDK would otherwise collect for its callbacks.
      _internal: { collectContent: false },
    });
    await read(stream, input.abortSignal, (part) => {
      switch (part.type) {
        case "text-delta":
        case "reasoning-delta":
          return onPart({ type: part.type, text: part.text });
        case "tool-input-start":
          return onPart({ type: "tool-input-start", id: part.id, toolName: part.toolName });
        case "tool-input-delta":
          return onPart({ type: "tool-input-delta", id: part.id, delta: part.delta });
        case "tool-call":
          return onPart({
            type: "tool-call",
            toolCallId: part.toolCallId,
            toolName: part.toolName,
            input: part.input,
            invalid: part.invalid,
          });
        case "tool-error":
          return onPart({
            type: "tool-error",
            toolCallId: part.toolCallId,
            toolName: part.toolName,
            input: part.input,
            error: part.error,
          });
        case "model-call-end":
          return onPart({ type: "model-call-end", finishReason: part.finishReason, usage: part.usage });
        case "error":
          return onPart({ type: "error", error: part.error });
      }
    });
  };
}

/**
 * Reads a stream until it ends or `stop` aborts, whichever comes first: an
 * abort cancels the reader, which ends a read in flight at once, so it never
 * waits on a read the SDK has not noticed is dead.
 */
async function read<T>(
  stream: ReadableStream<T>,
  stop: AbortSignal,
  onPart: (part: T) => void | Promise<void>,
): Promise<void> {
  const reader = stream.getReader();
  const cancel = () => {
    reader.cancel().catch(() => {});
  };
  if (stop.aborted) cancel();
  else stop.addEventListener("abort", cancel, { once: true });
  try {
    for (;;) {
      const next = await reader.read();
      if (next.done || stop.aborted) return;
      const pending = onPart(next.value);
      if (pending) await pending;
    }
  } finally {
    stop.removeEventListener("abort", cancel);
    cancel();
  }
}
