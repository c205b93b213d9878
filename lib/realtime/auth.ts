import type { ExtendedError } from "socket.io";
import { readCookie, SESSION_COOKIE, verifySessionToken } from "../auth/session";
import type { RealtimeSocket } from "./types";

/** Socket.IO middleware: only a connection carrying a valid session cookie gets in. */
export function authenticate(secret: string) {
  return (socket: RealtimeSocket, next: (error?: ExtendedError) => void) => {
    const token = readCookie(socket.handshake.headers.cookie, SESSION_COOKIE);
    const userId = verifySessionToken(token, secret);
    if (!userId) {
      next(new Error("unauthorized"));
      return;
    }
    socket.data.userId = userId;
    next();
  };
}
