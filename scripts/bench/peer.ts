/**
 * The benchmark's peer: the AI SDK's own way to stream an answer to a
 * browser. `POST /chat` runs `streamText` against the gateway (through
 * `@ai-sdk/openai-compatible`) and pipes it as a UI-message stream over HTTP,
 * in plain Node.
 *
 *   node --import tsx scripts/bench/peer.ts --gateway http://127.0.0.1:PORT/v1
 *
 * Prints `{"port": …}` once it listens on 127.0.0.1.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { parseArgs } from "node:util";
import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import { streamText } from "ai";

const { values } = parseArgs({ options: { gateway: { type: "string" } } });
const provider = createOpenAICompatible({ name: "bench", baseURL: values.gateway ?? "" });

const server = createServer((req, res) => {
  if (req.method !== "POST" || req.url !== "/chat") {
    res.writeHead(404).end();
    return;
  }
  let body = "";
  req.setEncoding("utf8");
  req.on("data", (part: string) => {
    body += part;
  });
  req.on("end", () => {
    const { id } = JSON.parse(body) as { id: string };
    const result = streamText({ model: provider.chatModel("bench"), prompt: id });
    result.pipeUIMessageStreamToResponse(res);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
});
process.on("SIGTERM", () => process.exit(0));
