import type { Server } from "node:http";
import type { Duplex } from "node:stream";

const REFUSAL = "HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n";

/**
 * Answers and closes at once every upgrade request that nothing here serves:
 * left alone, Node keeps such a socket open after the client is gone, and
 * enough of them exhaust the process's file descriptors. `served` names the
 * paths whose upgrades another listener (Socket.IO, Next's hot reload) takes.
 */
export function refuseStrayUpgrades(server: Server, served: (path: string) => boolean): void {
  server.on("upgrade", (req, socket: Duplex) => {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    if (served(path)) return;
    socket.on("error", () => {});
    socket.end(REFUSAL, () => socket.destroy());
    // A client that never reads the answer does not keep the socket either.
    setTimeout(() => socket.destroy(), 1_000).unref();
  });
}
