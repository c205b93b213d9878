import { type JSONSchema7, jsonSchema, type ToolSet, tool } from "ai";
import type { StepPart } from "./steps";
import type { ApprovalAnswer, ToolDefinition, ToolEvent } from "./types";
import { formatSeconds } from "./wording";

/** Told when a tool starts and stops running, so the stall watchdog can wait for it. */
export type ToolActivity = { started(): void; settled(): void };

/**
 * A failed tool call. The AI SDK tells the model `String(error)`: this one says
 * only its message, so the model reads exactly the errorText the user sees.
 */
export class ToolFailure extends Error {
  override readonly name = "ToolFailure";
  override toString(): string {
    return this.message;
  }
}

/**
 * Runs one tool with a signal that fires on the run's abort or at the deadline,
 * and gives up on a tool that ignores its signal instead of waiting for it.
 */
async function runWithDeadline(
  definition: ToolDefinition,
  input: unknown,
  context: { toolCallId: string; abortSignal: AbortSignal | undefined },
  timeoutMs: number | undefined,
): Promise<unknown> {
  const deadline = new AbortController();
  const timer =
    timeoutMs && timeoutMs > 0
      ? setTimeout(() => {
          const message = `${definition.name} timed out after ${formatSeconds(timeoutMs)}`;
          deadline.abort(new ToolFailure(message));
        }, timeoutMs)
      : undefined;
  const signal = context.abortSignal
    ? AbortSignal.any([context.abortSignal, deadline.signal])
    : deadline.signal;
  let onAbort = () => {};
  try {
    return await new Promise<unknown>((resolve, reject) => {
      onAbort = () => reject(signal.reason);
      if (signal.aborted) return onAbort();
      signal.addEventListener("abort", onAbort, { once: true });
      definition
        .execute(input, { abortSignal: signal, toolCallId: context.toolCallId })
        .then((output) => resolve(output ?? null), reject);
    });
  } finally {
    clearTimeout(timer);
    signal.removeEventListener("abort", onAbort);
  }
}

/**
 * The AI SDK tool set the model is offered: each tool's description and input
 * schema, which also check the calls it makes. Running them is runTool's.
 */
export function toToolSet(definitions: ToolDefinition[] | undefined): ToolSet | undefined {
  if (!definitions || definitions.length === 0) return undefined;
  const set: ToolSet = {};
  for (const definition of definitions) {
    set[definition.name] = tool({
      description: definition.description,
      inputSchema:
        "jsonSchema" in definition.inputSchema
          ? jsonSchema(definition.inputSchema.jsonSchema as JSONSchema7)
          : definition.inputSchema,
    });
  }
  return set;
}

/**
 * Runs one validated call: within the tool timeout, told to the watchdog, its
 * failure a ToolFailure whose message is what the model and the user read.
 */
export async function runTool(
  definition: ToolDefinition,
  input: unknown,
  context: { toolCallId: string; abortSignal: AbortSignal },
  options: { timeoutMs?: number; activity?: ToolActivity },
): Promise<unknown> {
  options.activity?.started();
  try {
    return await runWithDeadline(definition, input, context, options.timeoutMs);
  } catch (error) {
    throw error instanceof ToolFailure ? error : new ToolFailure(errorText(error), { cause: error });
  } finally {
    options.activity?.settled();
  }
}

/** What the model reads instead of a result when a call was not approved. */
export function refusalText(answer: Exclude<ApprovalAnswer, "approved">): string {
  return answer === "expired"
    ? "Nobody approved this call in time, so it was not run."
    : "The user denied this call, so it was not run.";
}

/** What a failed call tells the model and the user: the error's message. */
export function errorText(error: unknown): string {
  if (error instanceof Error) return error.message;
  return typeof error === "string" ? error : String(error);
}

/**
 * Turns the steps' tool parts into ToolEvents. Every call starts with
 * `input-streaming` (made up when the model sent the call whole), then maybe
 * more `input-streaming` with `inputDelta`, `input-available`, and one of
 * `output-available` / `output-error`.
 */
export function createToolEventMapper() {
  const names = new Map<string, string>();
  const start = (toolCallId: string, toolName: string): ToolEvent[] => {
    if (names.has(toolCallId)) return [];
    names.set(toolCallId, toolName);
    return [{ toolCallId, toolName, state: "input-streaming" }];
  };
  return (part: StepPart): ToolEvent[] => {
    switch (part.type) {
      case "tool-input-start":
        return start(part.id, part.toolName);
      case "tool-input-delta": {
        const toolName = names.get(part.id);
        if (toolName === undefined || part.delta === "") return [];
        return [{ toolCallId: part.id, toolName, state: "input-streaming", inputDelta: part.delta }];
      }
      case "tool-call":
        return [
          ...start(part.toolCallId, part.toolName),
          {
            toolCallId: part.toolCallId,
            toolName: part.toolName,
            state: "input-available",
            input: part.input,
          },
        ];
      case "tool-approval": {
        const call = { toolCallId: part.toolCallId, toolName: part.toolName, input: part.input };
        if (part.approval === "requested")
          return [{ ...call, state: "approval-requested", approval: "requested" }];
        if (part.approval === "approved")
          return [{ ...call, state: "input-available", approval: "approved" }];
        return [
          { ...call, state: "output-error", approval: part.approval, errorText: refusalText(part.approval) },
        ];
      }
      case "tool-result":
        return [
          {
            toolCallId: part.toolCallId,
            toolName: part.toolName,
            state: "output-available",
            input: part.input,
            output: part.output,
          },
        ];
      case "tool-error":
        return [
          {
            toolCallId: part.toolCallId,
            toolName: part.toolName,
            state: "output-error",
            input: part.input,
            errorText: errorText(part.error),
          },
        ];
      default:
        return [];
    }
  };
}
