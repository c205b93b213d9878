import type { ExtendedError } from "socket.io";
import { type IdentityOptions, identify } from "../auth/identity";
import type { RealtimeSocket } from "./types";

/** Socket.IO middleware: only a connection that proves an identity (guest cookie or proxy user) gets in. */
export function authenticate(identity: IdentityOptions) {
  return (socket: RealtimeSocket, next: (error?: ExtendedError) => void) => {
    const userId = identify(socket.handshake.headers, identity);
    if (!userId) {
      next(new Error("unauthorized"));
      return;
    }
    socket.data.userId = userId;
    next();
  };
}
