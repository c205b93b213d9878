/**
 * Thrown when a request that asked for `stream: true` got a whole JSON answer back.
 * Read as an event stream, that body would be an empty answer that merely looks
 * "interrupted".
 */
export class NotStreamingError extends Error {
  override readonly name = "NotStreamingError";
  constructor(readonly contentType: string) {
    super(
      `The upstream answered a streaming request with "${contentType || "no content type"}" instead of an event stream`,
    );
  }
}

/** The body of a streamed answer, or a NotStreamingError when the upstream did not stream. */
export async function eventStreamBody(response: Response): Promise<ReadableStream<Uint8Array> | null> {
  const contentType = response.headers.get("content-type") ?? "";
  if (contentType.toLowerCase().includes("text/event-stream")) return response.body;
  await response.body?.cancel().catch(() => {});
  throw new NotStreamingError(contentType);
}
