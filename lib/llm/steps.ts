import type { LanguageModelUsage, ModelMessage } from "ai";
import type { MessagePart, ToolApproval } from "../protocol";
import { assistantWithTools } from "./history";
import type { ModelCall } from "./model-call";
import { sleep } from "./retry-policy";
import { errorText, refusalText, runTool, type ToolActivity, toToolSet } from "./tools";
import type { ApprovalAnswer, ApproveToolCall, ReasoningEffort, ToolDefinition } from "./types";

/** What one answer's steps tell, in order: the parts the attempt turns into deltas and tool events. */
export type StepPart =
  | { type: "start-step" }
  | { type: "text-delta"; text: string }
  | { type: "reasoning-delta"; text: string }
  | { type: "tool-input-start"; id: string; toolName: string }
  | { type: "tool-input-delta"; id: string; delta: string }
  | { type: "tool-call"; toolCallId: string; toolName: string; input: unknown }
  | { type: "tool-approval"; toolCallId: string; toolName: string; input: unknown; approval: ToolApproval }
  | { type: "tool-result"; toolCallId: string; toolName: string; input: unknown; output: unknown }
  | { type: "tool-error"; toolCallId: string; toolName: string; input: unknown; error: unknown }
  | { type: "error"; error: unknown }
  | { type: "finish"; finishReason: string; totalUsage: TokenUsage };

/** Token counts summed over the steps; absent where the upstream did not say. */
export type TokenUsage = { inputTokens?: number; outputTokens?: number; totalTokens?: number };

export type StepsInput = {
  model: ModelCall;
  system?: string;
  messages: ModelMessage[];
  tools?: ToolDefinition[];
  maxSteps: number;
  maxOutputTokens?: number;
  temperature?: number;
  reasoningEffort?: ReasoningEffort;
  toolTimeoutMs?: number;
  /** Asks for the owner's approval of a call to a tool that needs it; without it such a call is refused. */
  approve?: ApproveToolCall;
  activity: ToolActivity;
  /** Ends the steps: a read in flight ends at once, tools are aborted, nothing more is told. */
  signal: AbortSignal;
  /** A whole answer streamed by simulation goes out word by word, this far apart; null for a real stream. */
  simulatedWordDelayMs: number | null;
};

type ToolStep = Extract<MessagePart, { type: "tool" }>;

const plus = (a: number | undefined, b: number | undefined) =>
  a === undefined && b === undefined ? undefined : (a ?? 0) + (b ?? 0);
const addUsage = (a: TokenUsage, b: LanguageModelUsage): TokenUsage => ({
  inputTokens: plus(a.inputTokens, b.inputTokens),
  outputTokens: plus(a.outputTokens, b.outputTokens),
  totalTokens: plus(a.totalTokens, b.totalTokens),
});

/** Words with their trailing space, as a whole answer is shown when it was not streamed. */
const WORDS = /\S+\s*|\s+/g;

/**
 * One answer as model → tool → model steps, up to maxSteps: each step is one
 * streamed model call, which checks every call the model makes against its
 * tool's schema; the calls it makes run as they arrive, and their results
 * go back to the model in the next step. The last step is offered no tools, so
 * the model answers with what it has. Told in order through `onPart`; ends
 * with `finish` only when the last step ended as the model meant it to.
 */
export async function streamSteps(input: StepsInput, onPart: (part: StepPart) => void): Promise<void> {
  const { signal } = input;
  const offered = toToolSet(input.tools);
  const definitions = new Map((input.tools ?? []).map((definition) => [definition.name, definition]));
  let messages = input.messages;
  let usage: TokenUsage = {};
  for (let step = 0; step < input.maxSteps; step++) {
    const last = step === input.maxSteps - 1;
    onPart({ type: "start-step" });
    let text = "";
    const ending: { end?: { finishReason: string; usage: LanguageModelUsage }; failed?: true } = {};
    const calls = new Map<string, Promise<ToolStep>>();

    /** A real stream's delta goes on as it came; a simulated answer's word by word, which takes a while. */
    const say = (type: "text-delta" | "reasoning-delta", delta: string): Promise<void> | undefined => {
      const wordDelayMs = input.simulatedWordDelayMs;
      if (wordDelayMs === null) {
        onPart({ type, text: delta });
        return undefined;
      }
      return (async () => {
        for (const word of delta.match(WORDS) ?? []) {
          if (signal.aborted) return;
          onPart({ type, text: word });
          await sleep(wordDelayMs, signal);
        }
      })();
    };
    const run = (call: { toolCallId: string; toolName: string; input: unknown }): Promise<ToolStep> => {
      const base = { type: "tool" as const, ...call };
      const definition = definitions.get(call.toolName);
      if (!definition) return Promise.resolve({ ...base, state: "output-error", errorText: "Unknown tool" });
      const approved = definition.requireApproval ? approval(call) : Promise.resolve(null);
      return approved.then(
        (refusal): Promise<ToolStep> =>
          refusal === null ? execute(definition, call) : Promise.resolve(refusal),
      );
    };
    /**
     * Asks the owner before a call that needs approval runs, telling the
     * question and its answer in order with the rest; resolves with null once
     * approved, else with the refused call the model is told of.
     */
    const approval = async (call: { toolCallId: string; toolName: string; input: unknown }) => {
      onPart({ type: "tool-approval", ...call, approval: "requested" });
      // Waiting on a person is not a stalled stream.
      input.activity.started();
      let answer: ApprovalAnswer;
      try {
        answer = input.approve ? await input.approve(call, signal) : "denied";
      } finally {
        input.activity.settled();
      }
      if (signal.aborted)
        return { type: "tool" as const, ...call, state: "output-error" as const, errorText: "" };
      onPart({ type: "tool-approval", ...call, approval: answer });
      if (answer === "approved") return null;
      const errorText = refusalText(answer);
      return { type: "tool" as const, ...call, state: "output-error" as const, errorText };
    };
    const execute = (
      definition: ToolDefinition,
      call: { toolCallId: string; toolName: string; input: unknown },
    ): Promise<ToolStep> => {
      const base = { type: "tool" as const, ...call };
      return runTool(
        definition,
        call.input,
        { toolCallId: call.toolCallId, abortSignal: signal },
        {
          timeoutMs: definition.ownTimeouts ? undefined : input.toolTimeoutMs,
          activity: input.activity,
        },
      ).then(
        (output): ToolStep => {
          onPart({ type: "tool-result", ...call, output });
          return { ...base, state: "output-available", output };
        },
        (error: unknown): ToolStep => {
          onPart({ type: "tool-error", ...call, error });
          return { ...base, state: "output-error", errorText: errorText(error) };
        },
      );
    };

    const call = {
      instructions: input.system || undefined,
      messages,
      tools: last ? undefined : offered,
      maxOutputTokens: input.maxOutputTokens,
      temperature: input.temperature,
      reasoning: input.reasoningEffort,
      abortSignal: signal,
    };
    // Not async: a token must not cost a promise of its own; only a simulated answer's words wait.
    await input.model(call, (part) => {
      switch (part.type) {
        case "text-delta":
          text += part.text;
          return say("text-delta", part.text);
        case "reasoning-delta":
          return say("reasoning-delta", part.text);
        case "tool-input-start":
          onPart({ type: "tool-input-start", id: part.id, toolName: part.toolName });
          return;
        case "tool-input-delta":
          onPart({ type: "tool-input-delta", id: part.id, delta: part.delta });
          return;
        case "tool-call": {
          const call = { toolCallId: part.toolCallId, toolName: part.toolName, input: part.input };
          onPart({ type: "tool-call", ...call });
          // A call its schema refuses is told as a tool-error next, and never runs.
          if (!part.invalid) calls.set(call.toolCallId, run(call));
          return;
        }
        case "tool-error": {
          const call = { toolCallId: part.toolCallId, toolName: part.toolName, input: part.input };
          onPart({ type: "tool-error", ...call, error: part.error });
          calls.set(
            call.toolCallId,
            Promise.resolve({
              type: "tool",
              ...call,
              state: "output-error",
              errorText: errorText(part.error),
            }),
          );
          return;
        }
        case "model-call-end":
          ending.end = { finishReason: part.finishReason, usage: part.usage };
          return;
        case "error":
          ending.failed = true;
          onPart({ type: "error", error: part.error });
          return;
      }
    });
    const results = calls.size > 0 ? await untilAborted(Promise.all(calls.values()), signal) : [];
    const { end, failed } = ending;
    if (signal.aborted || failed || !end || !results) return;
    usage = addUsage(usage, end.usage);
    if (results.length === 0 || last) {
      onPart({ type: "finish", finishReason: end.finishReason, totalUsage: usage });
      return;
    }
    messages = [...messages, ...assistantWithTools([{ type: "text", text }, ...results])];
  }
}

/** Resolves with the promise's value, or with null as soon as the signal aborts. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T | null> {
  if (signal.aborted) return Promise.resolve(null);
  return new Promise((resolve) => {
    const onAbort = () => resolve(null);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      () => resolve(null),
    );
  });
}
