/**
 * Thrown when a request that asked for `stream: true` got a whole JSON answer back.
 * The provider would otherwise parse that body as an empty event stream and
 * report an empty answer that merely looks "interrupted".
 */
export class NotStreamingError extends Error {
  override readonly name = "NotStreamingError";
  constructor(readonly contentType: string) {
    super(
      `The upstream answered a streaming request with "${contentType || "no content type"}" instead of an event stream`,
    );
  }
}

function asksForStream(body: unknown): boolean {
  if (typeof body !== "string" || !body.includes('"stream"')) return false;
  try {
    return (JSON.parse(body) as { stream?: unknown }).stream === true;
  } catch {
    return false;
  }
}

/**
 * Wraps fetch so that streaming requests fail with a NotStreamingError when the
 * upstream does not stream, and so that no Authorization header is sent when there
 * is no key.
 */
export function createUpstreamFetch(options: { baseFetch?: typeof fetch; hasApiKey: boolean }): typeof fetch {
  const baseFetch = options.baseFetch ?? globalThis.fetch;
  const upstreamFetch = async (input: Parameters<typeof fetch>[0], init?: RequestInit): Promise<Response> => {
    let requestInit = init;
    if (!options.hasApiKey && init?.headers) {
      const headers = new Headers(init.headers);
      headers.delete("authorization");
      requestInit = { ...init, headers };
    }
    const response = await baseFetch(input, requestInit);
    if (!response.ok || !asksForStream(init?.body)) return response;
    const contentType = response.headers.get("content-type") ?? "";
    if (contentType.toLowerCase().includes("text/event-stream")) return response;
    await response.body?.cancel().catch(() => {});
    throw new NotStreamingError(contentType);
  };
  return upstreamFetch as typeof fetch;
}
