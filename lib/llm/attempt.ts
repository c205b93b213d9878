import {
  type LanguageModel,
  type LanguageModelUsage,
  smoothStream,
  streamText,
  type TextStreamPart,
  type ToolSet,
} from "ai";
import type { FinishReason, Usage } from "../protocol";
import { IncompleteStreamError } from "./classify-error";
import type { StreamRequest } from "./types";

/** Mutable progress of one run, shared by its attempts. */
export type RunState = {
  text: string;
  reasoning: string;
  startedAt: number;
  /** The first text or reasoning delta: after it, nothing may be retried. */
  firstDeltaAt: number | null;
};

export type AttemptOutcome =
  | { kind: "finished"; finishReason: Exclude<FinishReason, "cancelled">; usage: Usage }
  | { kind: "cancelled" }
  | { kind: "timeout"; which: "first_token" | "stalled" }
  | { kind: "failed"; error: unknown };

export type AttemptInput = {
  model: LanguageModel;
  request: StreamRequest;
  state: RunState;
  /** Deliver a whole answer as word deltas (the model was wrapped to generate without streaming). */
  simulated: boolean;
  /** 0 disables the deadline. */
  firstTokenTimeoutMs: number;
  /** 0 disables the deadline. */
  chunkTimeoutMs: number;
  /** Pause between simulated word deltas. */
  simulatedWordDelayMs: number;
};

export function toUsage(usage: LanguageModelUsage | undefined): Usage {
  const result: Usage = {};
  if (usage?.inputTokens !== undefined) result.inputTokens = usage.inputTokens;
  if (usage?.outputTokens !== undefined) result.outputTokens = usage.outputTokens;
  if (usage?.totalTokens !== undefined) result.totalTokens = usage.totalTokens;
  return result;
}

type Observed = {
  error?: unknown;
  finish?: { reason: string; usage: LanguageModelUsage };
  aborted: boolean;
  /** Thrown by the caller's onDelta or onReasoning: a bug on their side, rethrown as is. */
  callbackError?: { error: unknown };
};

type TimeoutKind = "first_token" | "stalled";

/** Aborts the upstream when the current deadline passes and remembers which one it was. */
function createWatchdog(upstream: AbortController) {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let fired: TimeoutKind | null = null;
  return {
    arm(which: TimeoutKind, ms: number) {
      clearTimeout(timer);
      if (ms <= 0) return;
      timer = setTimeout(() => {
        fired = which;
        upstream.abort(new DOMException(`${which} timeout of ${ms} ms`, "TimeoutError"));
      }, ms);
    },
    stop: () => clearTimeout(timer),
    fired: () => fired,
  };
}

/** Forwards the caller's abort to the upstream request; returns the unlink function. */
function linkAbort(from: AbortSignal, to: AbortController): () => void {
  const forward = () => to.abort(from.reason);
  if (from.aborted) forward();
  else from.addEventListener("abort", forward, { once: true });
  return () => from.removeEventListener("abort", forward);
}

function startStream(input: AttemptInput, signal: AbortSignal) {
  const { request } = input;
  return streamText({
    model: input.model,
    instructions: request.system || undefined,
    messages: request.messages.map((turn) => ({ role: turn.role, content: turn.content })),
    maxOutputTokens: request.maxOutputTokens,
    temperature: request.temperature,
    // OpenAI-compatible providers send this as `reasoning_effort`.
    reasoning: request.reasoningEffort,
    maxRetries: 0,
    abortSignal: signal,
    experimental_transform: input.simulated
      ? smoothStream({ chunking: "word", delayInMs: input.simulatedWordDelayMs })
      : undefined,
    // Errors arrive as `error` parts; this only stops the SDK from logging them itself.
    onError: () => {},
  });
}

/**
 * One upstream call. Our own timers (not AI SDK's `timeout`) bound the wait: its
 * `firstChunkMs` does not cover the time the OpenAI provider spends waiting for the
 * first output chunk inside doStream, so a cold model would never time out.
 */
export async function runAttempt(input: AttemptInput): Promise<AttemptOutcome> {
  const upstream = new AbortController();
  const unlink = linkAbort(input.request.abortSignal, upstream);
  const watchdog = createWatchdog(upstream);
  watchdog.arm("first_token", input.firstTokenTimeoutMs);
  const observed: Observed = { aborted: false };
  try {
    await consume(startStream(input, upstream.signal).stream, upstream.signal, (part) => {
      if (part.type === "text-delta" || part.type === "reasoning-delta") {
        if (part.text === "" || upstream.signal.aborted) return;
        try {
          deliver(part.type === "text-delta" ? "text" : "reasoning", withoutNul(part.text), input);
        } catch (error) {
          observed.callbackError = { error };
          upstream.abort(error);
          return;
        }
        watchdog.arm("stalled", input.chunkTimeoutMs);
      } else if (part.type === "error") observed.error ??= part.error;
      else if (part.type === "abort") observed.aborted = true;
      else if (part.type === "finish")
        observed.finish = { reason: part.finishReason, usage: part.totalUsage };
    });
  } catch (error) {
    if (!upstream.signal.aborted) observed.error ??= error;
  } finally {
    watchdog.stop();
    unlink();
    // Whatever ended the attempt, the HTTP request must not outlive it.
    if (!upstream.signal.aborted) upstream.abort();
  }
  if (observed.callbackError) throw observed.callbackError.error;
  return outcomeOf(observed, input.request.abortSignal.aborted, watchdog.fired());
}

/** PostgreSQL cannot store U+0000 in text: an answer carrying one could never be saved. */
function withoutNul(text: string): string {
  return text.includes("\u0000") ? text.replaceAll("\u0000", "") : text;
}

function deliver(kind: "text" | "reasoning", delta: string, input: AttemptInput): void {
  if (delta === "") return;
  const { state, request } = input;
  state.firstDeltaAt ??= performance.now();
  if (kind === "text") {
    state.text += delta;
    request.onDelta(delta);
  } else {
    state.reasoning += delta;
    request.onReasoning?.(delta);
  }
}

function outcomeOf(
  observed: Observed,
  cancelled: boolean,
  timedOut: "first_token" | "stalled" | null,
): AttemptOutcome {
  if (cancelled) return { kind: "cancelled" };
  if (timedOut) return { kind: "timeout", which: timedOut };
  if (observed.error !== undefined) return { kind: "failed", error: observed.error };
  const finish = observed.finish;
  if (!finish || finish.reason === "interrupted" || observed.aborted) {
    return {
      kind: "failed",
      error: new IncompleteStreamError("The answer stream ended before it was complete"),
    };
  }
  if (finish.reason === "error")
    return { kind: "failed", error: new Error("The model stopped with an error") };
  return {
    kind: "finished",
    finishReason: finish.reason === "length" ? "length" : "stop",
    usage: toUsage(finish.usage),
  };
}

/**
 * Reads the stream until it ends or `stop` aborts, whichever comes first, so an
 * abort never waits on a read the SDK has not noticed is dead.
 */
async function consume(
  stream: AsyncIterable<TextStreamPart<ToolSet>>,
  stop: AbortSignal,
  onPart: (part: TextStreamPart<ToolSet>) => void,
): Promise<void> {
  const iterator = stream[Symbol.asyncIterator]();
  const stopped = new Promise<"stopped">((resolve) => {
    if (stop.aborted) resolve("stopped");
    stop.addEventListener("abort", () => resolve("stopped"), { once: true });
  });
  try {
    for (;;) {
      const pending = iterator.next();
      pending.catch(() => {});
      const next = await Promise.race([pending, stopped]);
      if (next === "stopped" || next.done) return;
      onPart(next.value);
    }
  } finally {
    iterator.return?.().catch(() => {});
  }
}
