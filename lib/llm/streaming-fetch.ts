import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";

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

/** The most of an error response's body kept for its message; the rest is dropped unread. */
export const ERROR_BODY_MAX_BYTES = 64 * 1024;

/**
 * A successful response whose body is left to be read as the Node stream it
 * is (`message`), with no web stream and no promise per chunk.
 */
export class NodeStreamResponse extends Response {
  constructor(readonly message: IncomingMessage) {
    super(null, {
      status: message.statusCode,
      statusText: message.statusMessage,
      headers: headersOf(message),
    });
  }
}

/**
 * `fetch` for one streamed POST over node:http(s), for the AI SDK's
 * postJsonToApi: a failure comes back as an ordinary Response (its body read,
 * up to ERROR_BODY_MAX_BYTES) for the provider's error handler, a success as
 * a NodeStreamResponse. Node's fetch would hand each chunk through a web
 * stream and several promises: about 40 µs per token under load, as much as
 * the rest of a bare relay's work. Connections are kept alive (Node's global
 * agents); an abort destroys the request and its connection.
 */
export const streamingFetch: typeof fetch = (input, init) =>
  new Promise<Response>((resolve, reject) => {
    const url = new URL(input instanceof Request ? input.url : input);
    const body = typeof init?.body === "string" ? init.body : "";
    const headers = { ...(init?.headers as Record<string, string> | undefined) };
    headers["content-length"] = String(Buffer.byteLength(body));
    const send = url.protocol === "https:" ? httpsRequest : httpRequest;
    const request = send(url, { method: init?.method ?? "POST", headers, signal: init?.signal ?? undefined });
    request.on("error", reject);
    request.on("response", (message) => {
      const status = message.statusCode ?? 0;
      if (status >= 200 && status < 300) {
        resolve(new NodeStreamResponse(message));
        return;
      }
      readLimited(message, ERROR_BODY_MAX_BYTES).then(
        (text) =>
          resolve(
            new Response(text, { status, statusText: message.statusMessage, headers: headersOf(message) }),
          ),
        reject,
      );
    });
    request.end(body);
  });

/** The body of a streamed answer as a Node stream, or a NotStreamingError when the upstream did not stream. */
export function eventStreamBody(response: Response): IncomingMessage {
  const contentType = response.headers.get("content-type") ?? "";
  if (!(response instanceof NodeStreamResponse)) throw new Error("Not a response of streamingFetch");
  if (contentType.toLowerCase().includes("text/event-stream")) return response.message;
  response.message.destroy();
  throw new NotStreamingError(contentType);
}

/**
 * Feeds the body's text to `onText` as it arrives (multi-byte characters kept
 * whole); resolves at its end, rejects when the connection is lost first.
 */
export function readText(message: IncomingMessage, onText: (text: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    message.setEncoding("utf8");
    message.on("data", onText);
    message.on("error", reject);
    message.on("end", resolve);
  });
}

function headersOf(message: IncomingMessage): Headers {
  const headers = new Headers();
  const raw = message.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) headers.append(raw[i] as string, raw[i + 1] as string);
  return headers;
}

function readLimited(message: IncomingMessage, maxBytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    message.on("data", (chunk: Buffer) => {
      if (size >= maxBytes) return;
      chunks.push(chunk.subarray(0, maxBytes - size));
      size += chunk.length;
      if (size >= maxBytes) {
        message.destroy();
        resolve(Buffer.concat(chunks).toString("utf8"));
      }
    });
    message.on("error", reject);
    message.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
  });
}
