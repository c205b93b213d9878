import type { Server as HttpServer } from "node:http";
import { Server, type ServerOptions } from "socket.io";
import type { IdentityOptions } from "../auth/identity";
import type { ChatService } from "../chat/types";
import { appOrigin, isCrossOrigin } from "../http/origin";
import { ConnectionSlots } from "../limits/connection-slots";
import type { Logger } from "../logger";
import type { Metrics } from "../metrics";
import { roomForUser } from "../protocol/events";
import { authenticate } from "./auth";
import { registerHandlers } from "./handlers";
import { BoundedRecoveryAdapter } from "./recovery-adapter";
import { guardSessionRecovery, recheckRecoveredSocket } from "./session-guard";
import { limitSockets } from "./socket-limits";
import type { RealtimeServer } from "./types";

/** Socket.IO on the app's own HTTP server, refusing connections without a valid session. */
export function createRealtimeServer(
  httpServer: HttpServer,
  options: {
    identity: IdentityOptions;
    publicUrl?: string;
    adapter?: ServerOptions["adapter"];
    /** Open connections one identity / one address may hold on this replica. */
    sockets: { maxPerUser: number; maxPerAddress: number; trustProxy: number };
  },
): RealtimeServer {
  const io: RealtimeServer = new Server(httpServer, {
    path: "/socket.io",
    serveClient: false,
    // Upgrades for other paths (Next's hot reload in development) are not ours to close.
    destroyUpgrade: false,
    maxHttpBufferSize: 1e6,
    // A page of another origin must not open a socket with the user's cookie.
    allowRequest: (req, callback) => {
      const refused = isCrossOrigin(req.headers, appOrigin(req, options.publicUrl));
      callback(refused ? "cross-origin handshake refused" : null, !refused);
    },
    // The in-memory adapter of a single node, or the Redis streams adapter that keeps recovery across nodes.
    adapter: options.adapter ?? BoundedRecoveryAdapter,
    connectionStateRecovery: { maxDisconnectionDuration: 2 * 60_000, skipMiddlewares: false },
  });
  io.use(authenticate(options.identity));
  const { maxPerUser, maxPerAddress, trustProxy } = options.sockets;
  const slots = new ConnectionSlots({ perUser: maxPerUser, perAddress: maxPerAddress });
  io.use(limitSockets(slots, { trustProxy }));
  return io;
}

export function registerRealtimeHandlers(
  io: RealtimeServer,
  deps: {
    chat: ChatService;
    logger: Logger;
    metrics: Pick<Metrics, "socketConnected" | "socketDisconnected">;
    /** Counts one event received on a connection; throws `rate_limited` past its budget. */
    takeEvent(socketId: string): Promise<void>;
  },
): void {
  const checkAccess = deps.chat.checkAccess.bind(deps.chat);
  guardSessionRecovery(io, checkAccess);
  io.on("connection", (socket) => {
    deps.metrics.socketConnected();
    socket.on("disconnect", () => deps.metrics.socketDisconnected());
    // Every socket of one identity, so revoking a share link can spare the owner's tabs.
    void socket.join(roomForUser(socket.data.userId));
    registerHandlers(socket, deps);
    // Only the server's own errors: a client may send an event named "error" with anything in it.
    socket.on("error", (error) => {
      if (error instanceof Error) deps.logger.warn({ err: error }, "socket error");
    });
    if (socket.recovered) {
      recheckRecoveredSocket(socket, checkAccess).catch((error: unknown) => {
        // Unable to tell what it may still read: it reconnects and is checked again.
        deps.logger.warn({ err: error }, "recovered socket not verified; closing its connection");
        socket.conn.close();
      });
    }
  });
}
