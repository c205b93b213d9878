import type { Server as HttpServer } from "node:http";
import { Server } from "socket.io";
import type { ChatService } from "../chat/types";
import type { Logger } from "../logger";
import { authenticate } from "./auth";
import { registerHandlers } from "./handlers";
import type { RealtimeServer } from "./types";

/** Socket.IO on the app's own HTTP server, refusing connections without a valid session. */
export function createRealtimeServer(
  httpServer: HttpServer,
  options: { sessionSecret: string },
): RealtimeServer {
  const io: RealtimeServer = new Server(httpServer, {
    path: "/socket.io",
    serveClient: false,
    // Upgrades for other paths (Next's hot reload in development) are not ours to close.
    destroyUpgrade: false,
    maxHttpBufferSize: 1e6,
    connectionStateRecovery: { maxDisconnectionDuration: 2 * 60_000, skipMiddlewares: false },
  });
  io.use(authenticate(options.sessionSecret));
  return io;
}

export function registerRealtimeHandlers(
  io: RealtimeServer,
  deps: { chat: ChatService; logger: Logger },
): void {
  io.on("connection", (socket) => {
    registerHandlers(socket, deps);
    socket.on("error", (error) => deps.logger.warn({ err: error }, "socket error"));
  });
}
