/**
 * The benchmark's floor: a bare Socket.IO relay. On `start` it answers
 * `started`, fetches one streamed completion from the gateway, parses its
 * server-sent events and emits each content delta as `token` — nothing else.
 *
 *   node --import tsx scripts/bench/floor.ts --gateway http://127.0.0.1:PORT/v1
 *
 * Prints `{"port": …}` once it listens on 127.0.0.1.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { parseArgs } from "node:util";
import { Server } from "socket.io";
import { forEachSseData } from "./sse";

const { values } = parseArgs({ options: { gateway: { type: "string" } } });
const gateway = values.gateway ?? "";

const httpServer = createServer();
const io = new Server(httpServer, { transports: ["websocket"] });

io.on("connection", (socket) => {
  socket.on("start", async (id: string) => {
    socket.emit("started", id);
    const response = await fetch(`${gateway}/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "bench", stream: true, messages: [{ role: "user", content: id }] }),
    });
    await forEachSseData(response.body as AsyncIterable<Uint8Array>, (data) => {
      const delta = JSON.parse(data).choices?.[0]?.delta?.content;
      if (delta) socket.emit("token", id, delta);
    });
    socket.emit("done", id);
  });
});

httpServer.listen(0, "127.0.0.1", () => {
  process.stdout.write(`${JSON.stringify({ port: (httpServer.address() as AddressInfo).port })}\n`);
});
process.on("SIGTERM", () => process.exit(0));
