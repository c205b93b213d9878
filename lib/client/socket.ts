import { io, type Socket } from "socket.io-client";
import type { ClientToServerEvents, ServerToClientEvents } from "../protocol";

export type ChatSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export type ConnectionState = "connecting" | "connected" | "reconnecting" | "disconnected";

type Connection = {
  socket: ChatSocket;
  state: ConnectionState;
  stateListeners: Set<() => void>;
};

// One socket per tab, also across client-side navigations and hot reloads.
const key = Symbol.for("switchboard.socket");
type Holder = { [key]?: Connection };

function setState(connection: Connection, state: ConnectionState) {
  if (connection.state === state) return;
  connection.state = state;
  for (const listener of connection.stateListeners) listener();
}

function create(): Connection {
  // Same origin: the httpOnly sid cookie goes along with the handshake.
  // The first reconnection comes quickly (a blip should barely show), later ones back off to 5 s.
  const socket: ChatSocket = io({
    path: "/socket.io",
    withCredentials: true,
    reconnectionDelay: 250,
    reconnectionDelayMax: 5_000,
  });
  const connection: Connection = {
    socket,
    state: "connecting",
    stateListeners: new Set(),
  };
  socket.on("connect", () => setState(connection, "connected"));
  socket.on("disconnect", () => {
    // socket.active is false only when the client or the server ended the session on purpose.
    setState(connection, socket.active ? "reconnecting" : "disconnected");
  });
  socket.on("connect_error", (error) => {
    if (!socket.active) setState(connection, "disconnected");
    else if (connection.state !== "connecting") setState(connection, "reconnecting");
    // Too many tabs open (a refusal Socket.IO does not retry by itself): try again once one may have closed.
    if (error.message === "rate_limited") {
      const data = (error as { data?: { retryInMs?: unknown } }).data;
      const waitMs = typeof data?.retryInMs === "number" ? data.retryInMs : 5_000;
      const retry = () => {
        if (!socket.connected) socket.connect();
      };
      setTimeout(retry, waitMs + Math.random() * 1_000);
    }
  });
  socket.io.on("reconnect_attempt", () => setState(connection, "reconnecting"));
  socket.io.on("reconnect_failed", () => setState(connection, "disconnected"));
  return connection;
}

function connection(): Connection {
  const holder = globalThis as Holder;
  holder[key] ??= create();
  return holder[key];
}

/** The tab's socket, created on first use. Browser only. */
export function getSocket(): ChatSocket {
  return connection().socket;
}

/** For useSyncExternalStore: the UI's view of the connection. */
export function subscribeConnectionState(listener: () => void): () => void {
  const current = connection();
  current.stateListeners.add(listener);
  return () => current.stateListeners.delete(listener);
}

export function getConnectionState(): ConnectionState {
  return connection().state;
}

/** Reconnects a socket that gave up or was refused (e.g. after the session cookie was renewed). */
export function reconnect(): void {
  const { socket } = connection();
  if (!socket.connected) socket.connect();
}
