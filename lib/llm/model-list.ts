import { z } from "zod";
import { LlmError, type ModelInfo } from "./types";
import { capitalize } from "./wording";

const modelListSchema = z.object({
  data: z.array(z.object({ id: z.string().min(1), owned_by: z.string().optional() }).loose()),
});

export type ModelListSource = {
  baseURL: string;
  apiKey?: string;
  fetch: typeof fetch;
  /** Named in error messages, e.g. "the gateway". */
  upstream: string;
  timeoutMs: number;
};

/** GET {baseURL}/models, the OpenAI-compatible model list. */
export async function fetchModelList(source: ModelListSource): Promise<ModelInfo[]> {
  const url = `${source.baseURL.replace(/\/+$/, "")}/models`;
  let response: Response;
  try {
    response = await source.fetch(url, {
      headers: source.apiKey ? { authorization: `Bearer ${source.apiKey}` } : {},
      signal: AbortSignal.timeout(source.timeoutMs),
    });
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new LlmError({
      code: "upstream_unreachable",
      message: `Cannot reach ${source.upstream}: ${reason}`,
      retryable: true,
      cause,
    });
  }
  if (!response.ok) {
    await response.body?.cancel().catch(() => {});
    const status = response.status;
    const unauthorized = status === 401 || status === 403;
    throw new LlmError({
      code: unauthorized ? "unauthorized" : "upstream_error",
      message: `Listing the models of ${source.upstream} failed with HTTP ${status}.`,
      retryable: !unauthorized,
      status,
    });
  }
  const parsed = modelListSchema.safeParse(await response.json().catch(() => undefined));
  if (!parsed.success) {
    throw new LlmError({
      code: "upstream_error",
      message: `${capitalize(source.upstream)} answered GET /models with something that is not a model list.`,
      retryable: false,
      cause: parsed.error,
    });
  }
  return parsed.data.data.map((model) =>
    model.owned_by ? { id: model.id, ownedBy: model.owned_by } : { id: model.id },
  );
}

/** Keeps the last successful list for `ttlMs`; concurrent callers share one request. */
export function cachedModelList(load: () => Promise<ModelInfo[]>, ttlMs: number) {
  let cached: { models: ModelInfo[]; until: number } | undefined;
  let inFlight: Promise<ModelInfo[]> | undefined;
  return (options: { fresh?: boolean } = {}): Promise<ModelInfo[]> => {
    if (!options.fresh && cached && cached.until > Date.now()) return Promise.resolve(cached.models);
    inFlight ??= load()
      .then((models) => {
        cached = { models, until: Date.now() + ttlMs };
        return models;
      })
      .finally(() => {
        inFlight = undefined;
      });
    return inFlight;
  };
}
