import { AppError } from "../errors";

/** The largest JSON body any route takes: a message at its longest, escaped, fits several times over. */
export const MAX_BODY_BYTES = 256 * 1024;

const tooLarge = () => new AppError("payload_too_large:api", "The request body is too large.");

/**
 * Reads a request body as text, counting bytes as they arrive: past `maxBytes`
 * it stops reading and refuses, so a body sent without Content-Length (chunked)
 * costs no more memory than one within the limit. The rest is never read; the
 * connection is closed after the refusal.
 */
export async function readBodyText(request: Request, maxBytes = MAX_BODY_BYTES): Promise<string> {
  if (Number(request.headers.get("content-length") ?? 0) > maxBytes) throw tooLarge();
  if (!request.body) return "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      reader.releaseLock();
      throw tooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}
