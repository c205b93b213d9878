import type { Usage } from "../protocol";
import { type AttemptOutcome, type RunState, runAttempt } from "./attempt";
import {
  type ClassifiedFailure,
  classifyFailure,
  isNotStreamingFailure,
  isToolsUnsupportedFailure,
} from "./classify-error";
import type { ModelCall } from "./model-call";
import { backoffDelayMs, sleep } from "./retry-policy";
import { LlmError, type StreamRequest, type StreamResult } from "./types";
import { capitalize, formatSeconds } from "./wording";

export type StreamingMode = "auto" | "true" | "false";

export type StreamEngineConfig = {
  streaming: StreamingMode;
  firstTokenTimeoutMs: number;
  chunkTimeoutMs: number;
  maxRetries: number;
  retryBaseDelayMs: number;
  retryMaxDelayMs: number;
  /** A Retry-After longer than this is not waited out: the run fails at once. */
  maxRetryAfterMs: number;
  simulatedWordDelayMs: number;
  /** With no first token after this long, say the model may still be loading (0 or absent: never). */
  waitingNoticeMs?: number;
  /** Named in messages the user reads, e.g. "the gateway". */
  upstream: string;
  /** `generate`: a call that asks for the whole answer and streams it by simulation. */
  modelCall: (modelId: string, mode: "stream" | "generate") => ModelCall;
  /** Models known not to stream; the engine adds to it when `auto` falls back. */
  nonStreamingModels: Set<string>;
  /** Models known to refuse tools; the engine adds to it when one does, and asks them without tools. */
  toollessModels: Set<string>;
  /** The message for an unknown model, e.g. naming the models on offer. */
  describeMissingModel?: (modelId: string) => Promise<string>;
};

type Run = {
  request: StreamRequest;
  config: StreamEngineConfig;
  state: RunState;
  simulated: boolean;
  /** The model refused the tools: it is asked without them, as a plain chat. */
  withoutTools: boolean;
};

/**
 * Streams one answer with retries, timeouts, simulated streaming and the `auto`
 * fallback. Retries happen only while nothing has reached onDelta, onReasoning
 * or onTool, so nothing is ever delivered twice (and no tool runs twice). Resolves with `cancelled` on the caller's
 * abort; rejects with LlmError.
 */
export async function streamAnswer(
  request: StreamRequest,
  config: StreamEngineConfig,
): Promise<StreamResult> {
  const run: Run = {
    request,
    config,
    state: {
      text: "",
      reasoning: "",
      startedAt: performance.now(),
      firstDeltaAt: null,
      steps: 0,
      toolCalls: 0,
    },
    simulated: config.streaming === "false" || config.nonStreamingModels.has(request.modelId),
    withoutTools: config.toollessModels.has(request.modelId),
  };
  if (run.simulated) reportSimulation(request);
  let retries = 0;
  for (;;) {
    if (request.abortSignal.aborted) return finish(run, "cancelled", {});
    const notice = noticeSlowStart(run);
    const outcome = await runAttempt({
      model: config.modelCall(request.modelId, run.simulated ? "generate" : "stream"),
      request: run.withoutTools ? { ...request, tools: undefined } : request,
      state: run.state,
      simulated: run.simulated,
      firstTokenTimeoutMs: config.firstTokenTimeoutMs,
      chunkTimeoutMs: config.chunkTimeoutMs,
      simulatedWordDelayMs: config.simulatedWordDelayMs,
    }).finally(() => clearTimeout(notice));
    if (outcome.kind === "cancelled") return finish(run, "cancelled", {});
    if (outcome.kind === "finished") {
      // An answer that only called tools still showed the user something.
      if (run.state.text === "" && run.state.toolCalls === 0) throw emptyAnswer(config);
      return finish(run, outcome.finishReason, outcome.usage);
    }
    if (shouldDropTools(run, outcome)) {
      // A model without tool support (many small Ollama models) still answers, without tools.
      run.withoutTools = true;
      config.toollessModels.add(request.modelId);
      continue;
    }
    if (shouldFallBackToSimulation(run, outcome)) {
      run.simulated = true;
      config.nonStreamingModels.add(request.modelId);
      reportSimulation(request);
      continue;
    }
    const failure = await describeFailure(run, outcome);
    request.onAttemptFailed?.({ code: failure.error.code, status: failure.error.status });
    const waitMs = retryWait(run, failure, retries);
    if (waitMs === undefined) throw finalError(run, failure, retries);
    retries += 1;
    reportRetry(run, failure, retries, waitMs);
    await sleep(waitMs, request.abortSignal);
  }
}

function finish(run: Run, finishReason: StreamResult["finishReason"], usage: Usage): StreamResult {
  const { state } = run;
  return {
    text: state.text,
    reasoning: state.reasoning,
    finishReason,
    usage,
    firstTokenMs: state.firstDeltaAt === null ? null : Math.round(state.firstDeltaAt - state.startedAt),
    totalMs: Math.round(performance.now() - state.startedAt),
    simulated: run.simulated,
    steps: state.steps,
    toolCalls: state.toolCalls,
  };
}

/** A cold model can take minutes to load: past a few seconds of silence the run says what it waits for. */
function noticeSlowStart(run: Run): NodeJS.Timeout | undefined {
  const { config, request, state } = run;
  if (!config.waitingNoticeMs || state.firstDeltaAt !== null) return undefined;
  const limit = config.firstTokenTimeoutMs > 0 ? ` (up to ${formatSeconds(config.firstTokenTimeoutMs)})` : "";
  return setTimeout(() => {
    if (state.firstDeltaAt !== null || request.abortSignal.aborted) return;
    request.onStatus?.({
      status: "waiting_for_model",
      detail: `Waiting for the model to start answering; a model that is still loading can take a while${limit}.`,
    });
  }, config.waitingNoticeMs);
}

function reportSimulation(request: StreamRequest): void {
  request.onStatus?.({
    status: "simulating_stream",
    detail: "The model answers in one piece; it is shown word by word as it arrives.",
  });
}

function shouldDropTools(run: Run, outcome: AttemptOutcome): boolean {
  return (
    outcome.kind === "failed" &&
    !run.withoutTools &&
    (run.request.tools?.length ?? 0) > 0 &&
    run.state.firstDeltaAt === null &&
    isToolsUnsupportedFailure(outcome.error)
  );
}

function shouldFallBackToSimulation(run: Run, outcome: AttemptOutcome): boolean {
  return (
    outcome.kind === "failed" &&
    run.config.streaming === "auto" &&
    !run.simulated &&
    run.state.firstDeltaAt === null &&
    isNotStreamingFailure(outcome.error)
  );
}

async function describeFailure(
  run: Run,
  outcome: Exclude<AttemptOutcome, { kind: "finished" | "cancelled" }>,
) {
  const { config, request, state } = run;
  const ctx = {
    modelId: request.modelId,
    partialText: state.text,
    streamed: state.firstDeltaAt !== null,
    upstream: config.upstream,
  };
  if (outcome.kind === "timeout") return { error: timeoutError(run, outcome.which), autoRetry: false };
  const failure = classifyFailure(outcome.error, ctx);
  if (failure.error.code === "model_not_found" && config.describeMissingModel) {
    failure.error = withMessage(failure.error, await config.describeMissingModel(request.modelId));
  }
  return failure;
}

function timeoutError(run: Run, which: "first_token" | "stalled"): LlmError {
  const { config, state } = run;
  const firstToken = which === "first_token";
  const message = firstToken
    ? `The model sent no answer within ${formatSeconds(config.firstTokenTimeoutMs)}.`
    : `The model stalled: nothing arrived for ${formatSeconds(config.chunkTimeoutMs)}.`;
  return new LlmError({
    code: firstToken ? "first_token_timeout" : "stalled",
    message,
    retryable: true,
    partialText: state.text,
  });
}

function retryWait(run: Run, failure: ClassifiedFailure, retries: number): number | undefined {
  const { config, state } = run;
  if (!failure.autoRetry || state.firstDeltaAt !== null || retries >= config.maxRetries) return undefined;
  if (failure.retryAfterMs !== undefined) {
    return failure.retryAfterMs > config.maxRetryAfterMs ? undefined : failure.retryAfterMs;
  }
  return backoffDelayMs(retries, {
    baseDelayMs: config.retryBaseDelayMs,
    maxDelayMs: config.retryMaxDelayMs,
  });
}

function reportRetry(run: Run, failure: ClassifiedFailure, attempt: number, retryInMs: number): void {
  const { config, request } = run;
  const rateLimited = failure.error.code === "rate_limited";
  const reason = rateLimited
    ? `${capitalize(config.upstream)} is rate-limiting requests`
    : describeTransient(failure, config.upstream);
  request.onStatus?.({
    status: rateLimited ? "rate_limited" : "retrying",
    detail: `${reason}; retrying in ${formatSeconds(retryInMs)} (attempt ${attempt} of ${config.maxRetries}).`,
    attempt,
    retryInMs,
  });
}

function describeTransient(failure: ClassifiedFailure, upstream: string): string {
  const { error } = failure;
  if (error.status !== undefined) return `${capitalize(upstream)} answered HTTP ${error.status}`;
  if (error.code === "upstream_unreachable") return `Cannot reach ${upstream}`;
  return `The connection to ${upstream} was lost`;
}

function finalError(run: Run, failure: ClassifiedFailure, retries: number): LlmError {
  const { error, retryAfterMs } = failure;
  if (run.state.firstDeltaAt !== null) return error;
  if (retryAfterMs !== undefined && retryAfterMs > run.config.maxRetryAfterMs) {
    return withMessage(error, `${error.message} (it asks to wait ${formatSeconds(retryAfterMs)})`);
  }
  if (retries === 0) return error;
  return withMessage(
    error,
    `${error.message} (gave up after ${retries} ${retries === 1 ? "retry" : "retries"})`,
  );
}

/** The same failure told differently. */
export function withMessage(error: LlmError, message: string): LlmError {
  return new LlmError({
    code: error.code,
    message,
    retryable: error.retryable,
    status: error.status,
    partialText: error.partialText,
    cause: error.cause,
  });
}

function emptyAnswer(config: StreamEngineConfig): LlmError {
  return new LlmError({
    code: "empty_answer",
    message: `${capitalize(config.upstream)} finished without any text.`,
    retryable: true,
  });
}
