import type { ExtendedError } from "socket.io";
import { clientAddress } from "../http/client-address";
import type { ConnectionSlots } from "../limits/connection-slots";
import type { RealtimeSocket } from "./types";

/** Nothing says when a slot frees up: a refused client is told to wait this long. */
export const SOCKET_RETRY_MS = 5_000;

type EngineConnection = RealtimeSocket["conn"];

/**
 * Socket.IO middleware, after authentication: a connection takes a slot of
 * its identity and of its address (MAX_SOCKETS_PER_USER, MAX_SOCKETS_PER_ADDRESS,
 * counted per replica) or is refused with `rate_limited`. The slot is given
 * back when the socket disconnects or its transport closes. A handshake that
 * a later middleware refuses never connects, so no disconnect follows: its
 * slot goes back when the transport closes, or when the client tries again
 * on the same transport (one transport carries one socket of the namespace).
 * Recovered sessions pass through here too (skipMiddlewares is false).
 */
export function limitSockets(slots: ConnectionSlots, options: { trustProxy: number }) {
  const heldBy = new WeakMap<EngineConnection, () => void>();
  const watched = new WeakSet<EngineConnection>();
  return (socket: RealtimeSocket, next: (error?: ExtendedError) => void) => {
    const { conn } = socket;
    heldBy.get(conn)?.();
    if (conn.readyState !== "open") {
      // Socket.IO drops a handshake whose transport is gone; there is nothing to count.
      next();
      return;
    }
    const address = clientAddress(
      { headers: socket.handshake.headers, remoteAddress: conn.remoteAddress },
      options.trustProxy,
    );
    const release = slots.take(socket.data.userId, address);
    if (!release) {
      const refusal: ExtendedError = new Error("rate_limited");
      refusal.data = { retryInMs: SOCKET_RETRY_MS };
      next(refusal);
      return;
    }
    const free = () => {
      if (heldBy.get(conn) === free) heldBy.delete(conn);
      release();
    };
    heldBy.set(conn, free);
    if (!watched.has(conn)) {
      watched.add(conn);
      conn.once("close", () => heldBy.get(conn)?.());
    }
    socket.once("disconnect", free);
    next();
  };
}
