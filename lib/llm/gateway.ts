import { OpenAICompatibleChatLanguageModel } from "@ai-sdk/openai-compatible";
import type { LanguageModelV4 } from "@ai-sdk/provider";
import { extractReasoningMiddleware, simulateStreamingMiddleware, wrapLanguageModel } from "ai";
import { chatCompletionsCall } from "./chat-completions";
import { lastKnownHealth } from "./health";
import { type ModelCall, sdkModelCall } from "./model-call";
import { cachedModelList, fetchModelList } from "./model-list";
import { type StreamEngineConfig, type StreamingMode, streamAnswer, withMessage } from "./stream";
import { type LlmClient, LlmError, type UpstreamHealth } from "./types";
import { capitalize } from "./wording";

export type GatewayClientOptions = {
  kind: "gateway" | "ollama";
  /** OpenAI-compatible base URL ending in /v1. */
  baseURL: string;
  apiKey?: string;
  defaultModel?: string;
  streaming: StreamingMode;
  /** Longest wait for the first token of an attempt; 0 disables it. */
  firstTokenTimeoutMs: number;
  /** Longest silence between two tokens; 0 disables it. */
  chunkTimeoutMs: number;
  /** Retries on 429, 5xx and connection failures, only before the first token. */
  maxRetries: number;
  /** First backoff delay when the upstream gives no Retry-After; default 500 ms. */
  retryBaseDelayMs?: number;
  /** Cap of the exponential backoff; default 10 s. */
  retryMaxDelayMs?: number;
  /** A longer Retry-After fails the run instead of waiting; default 60 s. */
  maxRetryAfterMs?: number;
  /** Pause between word deltas when an answer is streamed by simulation; default 10 ms. */
  simulatedWordDelayMs?: number;
  /** Silence before a run reports that the model may still be loading; default 5 s, 0 never. */
  waitingNoticeMs?: number;
  /** How long GET /models answers are reused; default 30 s. */
  modelListTtlMs?: number;
  /** Overrides the generated label (which never includes credentials). */
  label?: string;
  fetch?: typeof fetch;
};

/** The base URL without user:password@, a query or a trailing slash: safe for logs and the UI. */
export function displayUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = "";
    parsed.password = "";
    parsed.search = "";
    parsed.hash = "";
    return parsed.toString().replace(/\/+$/, "");
  } catch {
    return "(invalid URL)";
  }
}

function defaultLabel(kind: "gateway" | "ollama", baseURL: string): string {
  const url = displayUrl(baseURL);
  return kind === "ollama" ? `Ollama at ${url.replace(/\/v1$/, "")}` : `LLM gateway at ${url}`;
}

function createModels(options: GatewayClientOptions, upstream: string, baseFetch: typeof fetch) {
  const fetchModels = (timeoutMs: number) =>
    fetchModelList({
      baseURL: options.baseURL,
      apiKey: options.apiKey,
      fetch: baseFetch,
      upstream,
      timeoutMs,
    });
  const list = cachedModelList(() => fetchModels(10_000), options.modelListTtlMs ?? 30_000);
  const describeMissing = async (modelId: string): Promise<string> => {
    const offered = await list({ fresh: true }).catch(() => undefined);
    if (!offered) return `Model "${modelId}" is not available at ${upstream}.`;
    if (offered.length === 0) return `Model "${modelId}" is not available; ${upstream} lists no models.`;
    return `Model "${modelId}" is not available. ${capitalize(upstream)} offers: ${offered.map((m) => m.id).join(", ")}.`;
  };
  const defaultModel = async (): Promise<string> => {
    if (options.defaultModel) return options.defaultModel;
    const [first] = await list();
    if (first) return first.id;
    throw new LlmError({
      code: "model_not_found",
      message: `${capitalize(upstream)} lists no models; set LLM_MODEL or add a model.`,
      retryable: false,
    });
  };
  return { fetchModels, list, describeMissing, defaultModel };
}

/**
 * Some gateways quote the key they refuse in their error message; the
 * message reaches the browser and the logs, the key must not.
 */
function withoutKey(error: unknown, apiKey: string | undefined): unknown {
  if (!apiKey || !(error instanceof LlmError) || !error.message.includes(apiKey)) return error;
  return withMessage(error, error.message.replaceAll(apiKey, "[redacted]"));
}

/**
 * An answer the upstream will not stream is asked for whole and streamed by
 * simulation; older reasoning models write `<think>…</think>` into it, which
 * becomes reasoning and never reaches the answer (a streamed answer's tags are
 * split by chatCompletionsCall). Simulation goes outermost so the generated
 * answer is split before it is streamed.
 */
function simulatedModel(model: LanguageModelV4): LanguageModelV4 {
  return wrapLanguageModel({
    model,
    middleware: [simulateStreamingMiddleware(), extractReasoningMiddleware({ tagName: "think" })],
  });
}

/**
 * One call per model id and mode, made once: building a model (its response
 * schemas included) costs more than streaming a short answer.
 */
function cachedCalls(
  make: (modelId: string, mode: "stream" | "generate") => ModelCall,
): (modelId: string, mode: "stream" | "generate") => ModelCall {
  const made = new Map<string, ModelCall>();
  return (modelId, mode) => {
    const key = `${mode}:${modelId}`;
    let call = made.get(key);
    if (!call) {
      call = make(modelId, mode);
      // Model ids come from the roster and the gateway's list: few, but bounded all the same.
      if (made.size >= 256) made.clear();
      made.set(key, call);
    }
    return call;
  };
}

/** An LlmClient for any OpenAI-compatible chat-completions endpoint (LiteLLM, Ollama's /v1, vLLM…). */
export function createGatewayClient(options: GatewayClientOptions): LlmClient {
  const upstream = options.kind === "ollama" ? "Ollama" : "the gateway";
  const baseFetch = options.fetch ?? globalThis.fetch;
  const baseURL = options.baseURL.replace(/\/+$/, "");
  const headers: Record<string, string> = options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {};
  const chatModel = (modelId: string) =>
    new OpenAICompatibleChatLanguageModel(modelId, {
      provider: "gateway.chat",
      url: ({ path }) => `${baseURL}${path}`,
      headers: () => headers,
      fetch: baseFetch,
      includeUsage: true,
    });
  const connection = { url: `${baseURL}/chat/completions`, headers };
  const models = createModels(options, upstream, baseFetch);
  const engine: StreamEngineConfig = {
    streaming: options.streaming,
    firstTokenTimeoutMs: options.firstTokenTimeoutMs,
    chunkTimeoutMs: options.chunkTimeoutMs,
    maxRetries: options.maxRetries,
    retryBaseDelayMs: options.retryBaseDelayMs ?? 500,
    retryMaxDelayMs: options.retryMaxDelayMs ?? 10_000,
    maxRetryAfterMs: options.maxRetryAfterMs ?? 60_000,
    simulatedWordDelayMs: options.simulatedWordDelayMs ?? 10,
    waitingNoticeMs: options.waitingNoticeMs ?? 5_000,
    upstream,
    modelCall: cachedCalls((modelId, mode) =>
      mode === "stream"
        ? chatCompletionsCall(chatModel(modelId), connection)
        : sdkModelCall(simulatedModel(chatModel(modelId))),
    ),
    nonStreamingModels: new Set<string>(),
    toollessModels: new Set<string>(),
    describeMissingModel: models.describeMissing,
  };
  const label = options.label ?? defaultLabel(options.kind, options.baseURL);

  async function health(): Promise<UpstreamHealth> {
    try {
      // Short timeout: a black-holed host must not hold the caller.
      const available = await models.fetchModels(3_000);
      return { ok: true, kind: options.kind, label, detail: `${available.length} model(s) available` };
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      return { ok: false, kind: options.kind, label, detail };
    }
  }

  return {
    kind: options.kind,
    label,
    defaultModel: models.defaultModel,
    listModels: () => models.list(),
    stream: (request) =>
      streamAnswer(request, engine).catch((error: unknown) => {
        throw withoutKey(error, options.apiKey);
      }),
    health,
    lastKnownHealth: lastKnownHealth(health, {
      ok: false,
      kind: options.kind,
      label,
      detail: "not checked yet",
    }),
  };
}
