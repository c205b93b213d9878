import type { FinishReason, Usage } from "../protocol";
import { IncompleteStreamError } from "./classify-error";
import { toModelMessages } from "./history";
import type { ModelCall } from "./model-call";
import { streamSteps, type TokenUsage } from "./steps";
import { createToolEventMapper, type ToolActivity } from "./tools";
import type { StreamRequest, ToolEvent } from "./types";

export const DEFAULT_MAX_STEPS = 5;

/** Mutable progress of one run, shared by its attempts. */
export type RunState = {
  text: string;
  reasoning: string;
  startedAt: number;
  /** The first text or reasoning delta or tool event: after it, nothing may be retried. */
  firstDeltaAt: number | null;
  /** Model calls of the attempt that got furthest. */
  steps: number;
  /** Tool calls the model made (valid or not). */
  toolCalls: number;
};

export type AttemptOutcome =
  | { kind: "finished"; finishReason: Exclude<FinishReason, "cancelled">; usage: Usage }
  | { kind: "cancelled" }
  | { kind: "timeout"; which: "first_token" | "stalled" }
  | { kind: "failed"; error: unknown };

export type AttemptInput = {
  model: ModelCall;
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

export function toUsage(usage: TokenUsage | undefined): Usage {
  const result: Usage = {};
  if (usage?.inputTokens !== undefined) result.inputTokens = usage.inputTokens;
  if (usage?.outputTokens !== undefined) result.outputTokens = usage.outputTokens;
  if (usage?.totalTokens !== undefined) result.totalTokens = usage.totalTokens;
  return result;
}

type Observed = {
  error?: unknown;
  finish?: { reason: string; usage: TokenUsage };
  /** Thrown by the caller's onDelta or onReasoning: a bug on their side, rethrown as is. */
  callbackError?: { error: unknown };
};

type TimeoutKind = "first_token" | "stalled";

/**
 * Aborts the upstream when the current deadline passes and remembers which one
 * it was. While a tool runs the upstream is rightly silent: the watchdog holds
 * its fire and starts counting again when the last running tool settles.
 * Arming only moves the deadline; one timer follows it, so a token costs no
 * timer of its own.
 */
function createWatchdog(upstream: AbortController, chunkTimeoutMs: number) {
  let timer: ReturnType<typeof setTimeout> | undefined;
  /** When the timer fires: never after the deadline, often before it (then it waits the rest). */
  let timerAt = 0;
  let deadline = 0;
  let armed: { which: TimeoutKind; ms: number } | null = null;
  let fired: TimeoutKind | null = null;
  let running = 0;
  let stopped = false;
  const check = () => {
    timer = undefined;
    if (!armed || stopped) return;
    const left = deadline - performance.now();
    if (left > 0) {
      schedule(left);
      return;
    }
    fired = armed.which;
    upstream.abort(new DOMException(`${armed.which} timeout of ${armed.ms} ms`, "TimeoutError"));
  };
  const schedule = (ms: number) => {
    clearTimeout(timer);
    timerAt = performance.now() + ms;
    timer = setTimeout(check, ms);
  };
  const disarm = () => {
    armed = null;
    clearTimeout(timer);
    timer = undefined;
  };
  const arm = (which: TimeoutKind, ms: number) => {
    if (ms <= 0 || running > 0 || stopped) {
      disarm();
      return;
    }
    armed = { which, ms };
    deadline = performance.now() + ms;
    if (timer === undefined || timerAt > deadline) schedule(ms);
  };
  const tools: ToolActivity = {
    started() {
      running += 1;
      disarm();
    },
    settled() {
      running -= 1;
      arm("stalled", chunkTimeoutMs);
    },
  };
  const stop = () => {
    stopped = true;
    disarm();
  };
  return { arm, tools, stop, fired: () => fired };
}

/** Forwards the caller's abort to the upstream request; returns the unlink function. */
function linkAbort(from: AbortSignal, to: AbortController): () => void {
  const forward = () => to.abort(from.reason);
  if (from.aborted) forward();
  else from.addEventListener("abort", forward, { once: true });
  return () => from.removeEventListener("abort", forward);
}

/**
 * One upstream call. Our own timers (not AI SDK's `timeout`) bound the wait: its
 * `firstChunkMs` does not cover the time the OpenAI provider spends waiting for the
 * first output chunk inside doStream, so a cold model would never time out.
 */
export async function runAttempt(input: AttemptInput): Promise<AttemptOutcome> {
  const upstream = new AbortController();
  const unlink = linkAbort(input.request.abortSignal, upstream);
  const watchdog = createWatchdog(upstream, input.chunkTimeoutMs);
  watchdog.arm("first_token", input.firstTokenTimeoutMs);
  const observed: Observed = {};
  const toolEvents = createToolEventMapper();
  input.state.steps = 0;
  /** Runs a caller's callback; one that throws ends the attempt and is rethrown. */
  const guarded = (call: () => void) => {
    try {
      call();
    } catch (error) {
      observed.callbackError = { error };
      upstream.abort(error);
      return;
    }
    watchdog.arm("stalled", input.chunkTimeoutMs);
  };
  try {
    const { request } = input;
    await streamSteps(
      {
        model: input.model,
        system: request.system,
        messages: toModelMessages(request.messages),
        tools: request.tools,
        maxSteps: Math.max(1, request.maxSteps ?? DEFAULT_MAX_STEPS),
        maxOutputTokens: request.maxOutputTokens,
        temperature: request.temperature,
        reasoningEffort: request.reasoningEffort,
        toolTimeoutMs: request.toolTimeoutMs,
        approve: request.approveToolCall,
        activity: watchdog.tools,
        signal: upstream.signal,
        simulatedWordDelayMs: input.simulated ? input.simulatedWordDelayMs : null,
      },
      (part) => {
        if (upstream.signal.aborted) return;
        if (part.type === "text-delta" || part.type === "reasoning-delta") {
          if (part.text === "") return;
          const kind = part.type === "text-delta" ? "text" : "reasoning";
          guarded(() => deliver(kind, withoutNul(part.text), input));
        } else if (part.type.startsWith("tool-")) {
          const events = toolEvents(part);
          if (events.length > 0) guarded(() => deliverTools(events, input));
        } else if (part.type === "start-step") input.state.steps += 1;
        else if (part.type === "error") observed.error ??= part.error;
        else if (part.type === "finish")
          observed.finish = { reason: part.finishReason, usage: part.totalUsage };
      },
    );
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

function deliverTools(events: ToolEvent[], input: AttemptInput): void {
  const { state, request } = input;
  state.firstDeltaAt ??= performance.now();
  for (const event of events) {
    // An approved call is told ready twice: asked, then approved; it is one call.
    if (event.state === "input-available" && event.approval === undefined) state.toolCalls += 1;
    request.onTool?.(event);
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
  if (!finish || finish.reason === "interrupted") {
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
