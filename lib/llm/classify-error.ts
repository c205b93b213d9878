import { APICallError } from "ai";
import { parseRetryAfterMs } from "./retry-policy";
import { NotStreamingError } from "./streaming-fetch";
import { LlmError, type LlmErrorCode } from "./types";
import { capitalize } from "./wording";

/** An LlmError plus what the retry loop needs to know about it. */
export type ClassifiedFailure = {
  error: LlmError;
  /** Worth retrying automatically while nothing has been delivered yet. */
  autoRetry: boolean;
  /** What the upstream asked us to wait, when it said. */
  retryAfterMs?: number;
};

export type FailureContext = {
  modelId: string;
  partialText: string;
  /** Something of the answer (text, reasoning or a tool call) had already arrived. */
  streamed?: boolean;
  /** "the gateway", "Ollama"… used in messages the user may read. */
  upstream: string;
};

const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "UND_ERR_SOCKET",
  "UND_ERR_CLOSED",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
]);

function* causeChain(error: unknown): Generator<object> {
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current != null && typeof current === "object" && !seen.has(current)) {
    seen.add(current);
    yield current;
    // RetryError keeps the real failure in lastError rather than cause.
    const link = current as { cause?: unknown; lastError?: unknown };
    current = link.cause ?? link.lastError;
  }
}

/** The stream ended without a finish signal: the SSE stopped mid-answer, or never started. */
export class IncompleteStreamError extends Error {
  override readonly name = "IncompleteStreamError";
}

export function findApiCallError(error: unknown): APICallError | undefined {
  for (const link of causeChain(error)) if (APICallError.isInstance(link)) return link;
  return undefined;
}

export function isNotStreamingFailure(error: unknown): boolean {
  for (const link of causeChain(error)) if (link instanceof NotStreamingError) return true;
  const api = findApiCallError(error);
  if (api?.statusCode !== 400) return false;
  return /\bstream/i.test(`${api.message} ${api.responseBody ?? ""}`);
}

/**
 * The model cannot take tools: Ollama answers "<model> does not support tools",
 * which LiteLLM passes on as a 400.
 */
export function isToolsUnsupportedFailure(error: unknown): boolean {
  const api = findApiCallError(error);
  if (api?.statusCode !== 400) return false;
  return /does not support (?:tools|tool|function) ?(?:calling|calls|use)?|tools? (?:is|are) not supported/i.test(
    `${api.message} ${api.responseBody ?? ""}`,
  );
}

function isNetworkFailure(error: unknown): boolean {
  for (const link of causeChain(error)) {
    const code = (link as { code?: unknown }).code;
    if (typeof code === "string" && NETWORK_CODES.has(code)) return true;
    if (link instanceof TypeError && /^(terminated|fetch failed|other side closed)$/i.test(link.message))
      return true;
  }
  return false;
}

function upstreamMessage(api: APICallError): string {
  const data = api.data as { error?: { message?: unknown } } | undefined;
  const fromBody = data?.error?.message;
  return typeof fromBody === "string" && fromBody ? fromBody : api.message;
}

function looksLikeUnknownModel(status: number, message: string): boolean {
  if (status === 404) return true;
  return (
    status === 400 &&
    /model/i.test(message) &&
    /not (found|exist|available)|does not exist|invalid model|unknown model/i.test(message)
  );
}

function make(
  code: LlmErrorCode,
  message: string,
  retryable: boolean,
  ctx: FailureContext,
  cause: unknown,
  status?: number,
) {
  return new LlmError({ code, message, retryable, status, partialText: ctx.partialText, cause });
}

function classifyStatus(api: APICallError, status: number, ctx: FailureContext): ClassifiedFailure {
  const detail = upstreamMessage(api);
  if (looksLikeUnknownModel(status, detail)) {
    const message = `Model "${ctx.modelId}" is not available at ${ctx.upstream}.`;
    return { error: make("model_not_found", message, false, ctx, api, status), autoRetry: false };
  }
  if (status === 401 || status === 403) {
    const message = `${capitalize(ctx.upstream)} refused the credentials (HTTP ${status}): ${detail}`;
    return { error: make("unauthorized", message, false, ctx, api, status), autoRetry: false };
  }
  const retryAfterMs = parseRetryAfterMs(api.responseHeaders);
  if (status === 429) {
    const message = `${capitalize(ctx.upstream)} is rate-limiting requests (HTTP 429): ${detail}`;
    return { error: make("rate_limited", message, true, ctx, api, status), autoRetry: true, retryAfterMs };
  }
  if (status >= 500 || status === 408) {
    const message = `${capitalize(ctx.upstream)} failed (HTTP ${status}): ${detail}`;
    return { error: make("upstream_error", message, true, ctx, api, status), autoRetry: true, retryAfterMs };
  }
  const message = `${capitalize(ctx.upstream)} rejected the request (HTTP ${status}): ${detail}`;
  return { error: make("bad_request", message, false, ctx, api, status), autoRetry: false };
}

/** Maps whatever the AI SDK surfaced (an error part or a thrown error) to an LlmError. */
export function classifyFailure(error: unknown, ctx: FailureContext): ClassifiedFailure {
  if (error instanceof LlmError) return { error, autoRetry: false };
  if (isNotStreamingFailure(error)) {
    const message = `${capitalize(ctx.upstream)} does not stream answers; set LLM_STREAMING=auto or false.`;
    return { error: make("upstream_error", message, false, ctx, error), autoRetry: false };
  }
  const api = findApiCallError(error);
  const status = api?.statusCode;
  if (api && status !== undefined && status >= 400) return classifyStatus(api, status, ctx);

  const responseStarted =
    status !== undefined ||
    ctx.streamed === true ||
    ctx.partialText !== "" ||
    error instanceof IncompleteStreamError;
  if (isNetworkFailure(error) || api?.isRetryable || error instanceof IncompleteStreamError) {
    if (responseStarted) {
      const message = `The connection to ${ctx.upstream} was lost while the answer was streaming.`;
      return { error: make("connection_lost", message, true, ctx, error), autoRetry: true };
    }
    const message = `Cannot reach ${ctx.upstream}: ${error instanceof Error ? error.message : String(error)}`;
    return { error: make("upstream_unreachable", message, true, ctx, error), autoRetry: true };
  }
  const message = `${capitalize(ctx.upstream)} failed: ${error instanceof Error ? error.message : String(error)}`;
  return { error: make("upstream_error", message, true, ctx, error), autoRetry: false };
}
