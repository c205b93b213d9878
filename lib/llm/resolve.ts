import type { Env } from "../env";
import type { Logger } from "../logger";
import { createDemoClient } from "./demo-model";
import { createGatewayClient, displayUrl } from "./gateway";
import type { LlmClient } from "./types";

const OLLAMA_PROBE_TIMEOUT_MS = 1_000;

/** True when an Ollama answers GET /api/tags at `baseUrl` within the timeout. */
export async function probeOllama(
  baseUrl: string,
  options: { timeoutMs?: number; fetch?: typeof fetch } = {},
): Promise<boolean> {
  const fetchImpl = options.fetch ?? globalThis.fetch;
  try {
    const response = await fetchImpl(`${baseUrl.replace(/\/+$/, "")}/api/tags`, {
      signal: AbortSignal.timeout(options.timeoutMs ?? OLLAMA_PROBE_TIMEOUT_MS),
    });
    await response.body?.cancel().catch(() => {});
    return response.ok;
  } catch {
    return false;
  }
}

function gatewaySettings(env: Env) {
  return {
    apiKey: env.LLM_API_KEY,
    defaultModel: env.LLM_MODEL,
    streaming: env.LLM_STREAMING,
    firstTokenTimeoutMs: env.LLM_FIRST_TOKEN_TIMEOUT_MS,
    chunkTimeoutMs: env.LLM_CHUNK_TIMEOUT_MS,
    maxRetries: env.LLM_MAX_RETRIES,
  };
}

/**
 * Picks the language model upstream once, at start-up: LLM_BASE_URL when set, else a
 * local Ollama if one answers within a second, else the offline demo model.
 */
export async function resolveLlmClient(env: Env, logger: Logger): Promise<LlmClient> {
  let client: LlmClient;
  let baseUrl: string | undefined;
  if (env.LLM_BASE_URL) {
    baseUrl = env.LLM_BASE_URL;
    client = createGatewayClient({ kind: "gateway", baseURL: baseUrl, ...gatewaySettings(env) });
  } else if (await probeOllama(env.OLLAMA_BASE_URL)) {
    baseUrl = `${env.OLLAMA_BASE_URL.replace(/\/+$/, "")}/v1`;
    client = createGatewayClient({ kind: "ollama", baseURL: baseUrl, ...gatewaySettings(env) });
  } else {
    client = createDemoClient();
  }
  logger.info(
    {
      llm: {
        kind: client.kind,
        label: client.label,
        baseUrl: baseUrl && displayUrl(baseUrl),
        defaultModel: client.kind === "demo" ? "demo" : env.LLM_MODEL,
        streaming: client.kind === "demo" ? undefined : env.LLM_STREAMING,
      },
    },
    `language model: ${client.label}`,
  );
  return client;
}
