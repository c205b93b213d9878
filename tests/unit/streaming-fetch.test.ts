import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ERROR_BODY_MAX_BYTES,
  eventStreamBody,
  NotStreamingError,
  readText,
  streamingFetch,
} from "@/lib/llm/streaming-fetch";

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

let server: Server;
let base = "";
const handlers = new Map<string, Handler>();
const closed = new Map<string, number>();

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => {
      body += chunk;
    });
    req.on("end", () => {
      res.on("close", () => closed.set(req.url ?? "", Date.now()));
      const handler = handlers.get(req.url ?? "");
      if (!handler) {
        res.writeHead(404).end();
        return;
      }
      (req as IncomingMessage & { body: string }).body = body;
      handler(req, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const post = (path: string, signal?: AbortSignal) =>
  streamingFetch(`${base}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: "Bearer k" },
    body: JSON.stringify({ stream: true, text: "é" }),
    signal,
  });

async function textOf(response: Response): Promise<string> {
  let text = "";
  await readText(eventStreamBody(response), (piece) => {
    text += piece;
  });
  return text;
}

describe("streamingFetch", () => {
  it("sends the body and headers, and reads an event stream whole, a character split across chunks included", async () => {
    let seen: { body: string; authorization?: string; length?: string } | undefined;
    handlers.set("/ok", (req, res) => {
      seen = {
        body: (req as IncomingMessage & { body: string }).body,
        authorization: req.headers.authorization,
        length: req.headers["content-length"],
      };
      res.writeHead(200, { "content-type": "text/event-stream" });
      const bytes = Buffer.from("data: é\n\n", "utf8");
      res.write(bytes.subarray(0, 7)); // ends inside "é"
      setTimeout(() => res.end(bytes.subarray(7)), 20);
    });
    const response = await post("/ok");
    expect(response.status).toBe(200);
    expect(await textOf(response)).toBe("data: é\n\n");
    expect(seen).toEqual({
      body: '{"stream":true,"text":"é"}',
      authorization: "Bearer k",
      length: String(Buffer.byteLength('{"stream":true,"text":"é"}')),
    });
  });

  it("gives a failure back as a Response with its status, headers and body", async () => {
    handlers.set("/busy", (_req, res) => {
      res.writeHead(429, { "content-type": "application/json", "retry-after": "3" });
      res.end(JSON.stringify({ error: { message: "slow down" } }));
    });
    const response = await post("/busy");
    expect(response.status).toBe(429);
    expect(response.headers.get("retry-after")).toBe("3");
    expect(await response.json()).toEqual({ error: { message: "slow down" } });
  });

  it("keeps at most ERROR_BODY_MAX_BYTES of a failure's body and stops reading it", async () => {
    handlers.set("/huge", (_req, res) => {
      res.writeHead(500, { "content-type": "text/plain" });
      const chunk = "x".repeat(16 * 1024);
      const timer = setInterval(() => res.write(chunk), 1);
      res.on("close", () => clearInterval(timer));
    });
    const response = await post("/huge");
    expect(response.status).toBe(500);
    expect((await response.text()).length).toBe(ERROR_BODY_MAX_BYTES);
    await expect.poll(() => closed.has("/huge")).toBe(true);
  });

  it("refuses a successful answer that is not an event stream, and closes it", async () => {
    handlers.set("/json", (_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.write("{");
    });
    const response = await post("/json");
    expect(() => eventStreamBody(response)).toThrow(NotStreamingError);
    await expect.poll(() => closed.has("/json")).toBe(true);
  });

  it("rejects when the connection is lost mid-stream", async () => {
    handlers.set("/drop", (_req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write("data: a\n\n");
      setTimeout(() => res.socket?.destroy(), 20);
    });
    await expect(textOf(await post("/drop"))).rejects.toMatchObject({ code: "ECONNRESET" });
  });

  it("closes the connection at once when the signal aborts mid-stream", async () => {
    handlers.set("/endless", (_req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      const timer = setInterval(() => res.write("data: b\n\n"), 5);
      res.on("close", () => clearInterval(timer));
    });
    const controller = new AbortController();
    const response = await post("/endless", controller.signal);
    const reading = textOf(response);
    const abortedAt = Date.now();
    controller.abort();
    await expect(reading).rejects.toThrow();
    await expect.poll(() => closed.get("/endless")).toBeDefined();
    expect((closed.get("/endless") ?? Number.POSITIVE_INFINITY) - abortedAt).toBeLessThan(500);
  });

  it("fails with the connection error's code when nothing listens", async () => {
    await expect(
      streamingFetch("http://127.0.0.1:9/chat/completions", { method: "POST", body: "{}" }),
    ).rejects.toMatchObject({ code: "ECONNREFUSED" });
  });
});
