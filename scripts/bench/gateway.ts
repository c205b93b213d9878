/**
 * The benchmark's gateway: an OpenAI-compatible server that streams every
 * answer as `--tokens` content deltas at `--rate` per second, each token
 * stamped with the time it was written (`t<i>@<ms since the epoch> `), so a
 * client can tell how long each token took to reach it.
 *
 *   node --import tsx scripts/bench/gateway.ts --tokens 100 --rate 20
 *
 * Prints `{"port": …}` once it listens on 127.0.0.1.
 */
import http, { type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { parseArgs } from "node:util";
import { stampedToken, wallClockMs } from "./tokens";

const { values } = parseArgs({
  options: {
    tokens: { type: "string", default: "100" },
    rate: { type: "string", default: "20" },
    port: { type: "string", default: "0" },
  },
});
const tokenCount = Number(values.tokens);
const intervalMs = 1000 / Number(values.rate);

function chunk(id: string, delta: object, finishReason: string | null = null): string {
  const body = {
    id,
    object: "chat.completion.chunk",
    created: 0,
    model: "bench",
    choices: [{ index: 0, delta, finish_reason: finishReason }],
  };
  return `data: ${JSON.stringify(body)}\n\n`;
}

/** Writes the tokens on a drift-free schedule from the start of the answer. */
function streamAnswer(res: ServerResponse, id: string): void {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  res.write(chunk(id, { role: "assistant", content: "" }));
  const started = performance.now();
  let next = 0;
  let closed = false;
  res.on("close", () => {
    closed = true;
  });
  const tick = () => {
    if (closed) return;
    const due = Math.min(tokenCount, Math.floor((performance.now() - started) / intervalMs) + 1);
    let batch = "";
    for (; next < due; next++) batch += chunk(id, { content: stampedToken(next, wallClockMs()) });
    if (batch) res.write(batch);
    if (next >= tokenCount) {
      res.end(`${chunk(id, {}, "stop")}data: [DONE]\n\n`);
      return;
    }
    setTimeout(tick, Math.max(0, started + next * intervalMs - performance.now()));
  };
  tick();
}

let answers = 0;
const server = http.createServer((req, res) => {
  const path = new URL(req.url ?? "/", "http://localhost").pathname;
  if (req.method === "GET" && path === "/v1/models") {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ object: "list", data: [{ id: "bench", object: "model", owned_by: "bench" }] }));
    return;
  }
  if (req.method === "POST" && path === "/v1/chat/completions") {
    req.resume();
    req.on("end", () => streamAnswer(res, `bench-${++answers}`));
    return;
  }
  res.writeHead(404).end();
});
server.keepAliveTimeout = 60_000;
server.listen(Number(values.port), "127.0.0.1", () => {
  process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
});
process.on("SIGTERM", () => process.exit(0));
