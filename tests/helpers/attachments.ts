import http from "node:http";
import type { RecordedRequest } from "../fixtures/fake-gateway";

/** One part of a user message's content in the chat-completions format. */
export type UpstreamPart = { type: "text"; text: string } | { type: "image_url"; image_url: { url: string } };

/** The content parts of the last user message of an upstream request (a plain string is one text part). */
export function lastUserParts(request: RecordedRequest): UpstreamPart[] {
  const user = request.messages.filter((message) => message.role === "user").at(-1);
  const content = user?.content as unknown;
  if (typeof content === "string") return [{ type: "text", text: content }];
  return (content ?? []) as UpstreamPart[];
}

/** The bytes of every image a request sent upstream, as base64, in order. */
export function upstreamImages(request: RecordedRequest): Array<{ mediaType: string; base64: string }> {
  return request.messages.flatMap((message) =>
    Array.isArray(message.content)
      ? (message.content as UpstreamPart[]).flatMap((part) => {
          if (part.type !== "image_url") return [];
          const match = /^data:([^;]+);base64,(.*)$/s.exec(part.image_url.url);
          return match ? [{ mediaType: match[1] ?? "", base64: match[2] ?? "" }] : [];
        })
      : [],
  );
}

export type UploadResult = { status: number; body: Record<string, unknown> };

/** POST /api/attachments with one file, as a browser's form would send it. */
export async function upload(
  baseUrl: string,
  cookie: string,
  name: string,
  bytes: Uint8Array,
  declaredType = "application/octet-stream",
): Promise<UploadResult> {
  const form = new FormData();
  form.append("file", new Blob([new Uint8Array(bytes)], { type: declaredType }), name);
  const response = await fetch(`${baseUrl}/api/attachments`, {
    method: "POST",
    headers: { cookie },
    body: form,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/**
 * Streams a multipart upload of `totalBytes` without Content-Length (chunked),
 * one chunk after another, until the server answers; resolves with its status
 * and how many bytes had been written by then.
 */
export function streamUpload(
  baseUrl: string,
  cookie: string,
  totalBytes: number,
): Promise<{ status: number; written: number; body: string }> {
  const boundary = "----switchboard-test";
  return new Promise((resolve, reject) => {
    let written = 0;
    let answered = false;
    const request = http.request(`${baseUrl}/api/attachments`, {
      method: "POST",
      headers: {
        cookie,
        "content-type": `multipart/form-data; boundary=${boundary}`,
        "transfer-encoding": "chunked",
      },
    });
    request.on("response", (response) => {
      answered = true;
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () =>
        resolve({ status: response.statusCode ?? 0, written, body: Buffer.concat(chunks).toString("utf8") }),
      );
    });
    // Once the server has answered and closed, further writes fail: that is the point.
    request.on("error", (error) => {
      if (!answered) reject(error);
    });
    request.write(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.txt"\r\nContent-Type: text/plain\r\n\r\n`,
    );
    const chunk = Buffer.alloc(64 * 1024, "a");
    const pump = () => {
      while (!answered && written < totalBytes) {
        written += chunk.length;
        if (!request.write(chunk)) {
          request.once("drain", pump);
          return;
        }
      }
      if (!answered) request.end(`\r\n--${boundary}--\r\n`);
    };
    pump();
  });
}

/** A request that announces a body of `declaredBytes` and sends none: refused by its header alone. */
export function announceUpload(baseUrl: string, cookie: string, declaredBytes: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = http.request(`${baseUrl}/api/attachments`, {
      method: "POST",
      headers: {
        cookie,
        "content-type": "multipart/form-data; boundary=x",
        "content-length": String(declaredBytes),
      },
    });
    request.on("response", (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
      request.destroy();
    });
    request.on("error", reject);
    request.flushHeaders();
  });
}
