import type { Server as HttpServer } from "node:http";
import { Server, type ServerOptions } from "socket.io";
import type { IdentityOptions } from "../auth/identity";
import type { ChatService } from "../chat/types";
import type { Logger } from "../logger";
import type { Metrics } from "../metrics";
import { authenticate } from "./auth";
import { registerHandlers } from "./handlers";
import type { RealtimeServer } from "./types";

/** Socket.IO on the app's own HTTP server, refusing connections without a valid session. */
export function createRealtimeServer(
  httpServer: HttpServer,
  options: { identity: IdentityOptions; adapter?: ServerOptions["adapter"] },
): RealtimeServer {
  const io: RealtimeServer = new Server(httpServer, {
    path: "/socket.io",
    serveClient: false,
    // Upgrades for other paths (Next's hot reload in development) are not ours to close.
    destroyUpgrade: false,
    maxHttpBufferSize: 1e6,
    // Unset: the in-memory adapter of a single node. The Redis streams adapter keeps recovery across nodes.
    adapter: options.adapter,
    connectionStateRecovery: { maxDisconnectionDuration: 2 * 60_000, skipMiddlewares: false },
  });
  io.use(authenticate(options.identity));
  return io;
}

export function registerRealtimeHandlers(
  io: RealtimeServer,
  deps: {
    chat: ChatService;
    logger: Logger;
    metrics: Pick<Metrics, "socketConnected" | "socketDisconnected">;
  },
): void {
  io.on("connection", (socket) => {
    deps.metrics.socketConnected();
    socket.on("disconnect", () => deps.metrics.socketDisconnected());
    registerHandlers(socket, deps);
    socket.on("error", (error) => deps.logger.warn({ err: error }, "socket error"));
  });
}
