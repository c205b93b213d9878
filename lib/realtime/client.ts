import { io, type Socket } from "socket.io-client";
import type { ClientToServerEvents, ServerToClientEvents } from "../protocol";

export type ChatSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export type ConnectionState = "connecting" | "connected" | "reconnecting" | "disconnected";

type ConnectListener = (info: { recovered: boolean }) => void;

type Connection = {
  socket: ChatSocket;
  state: ConnectionState;
  stateListeners: Set<() => void>;
  connectListeners: Set<ConnectListener>;
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
  const socket: ChatSocket = io({ path: "/socket.io", withCredentials: true });
  const connection: Connection = {
    socket,
    state: "connecting",
    stateListeners: new Set(),
    connectListeners: new Set(),
  };
  socket.on("connect", () => {
    setState(connection, "connected");
    for (const listener of connection.connectListeners) listener({ recovered: socket.recovered });
  });
  socket.on("disconnect", () => {
    // socket.active is false only when the client or the server ended the session on purpose.
    setState(connection, socket.active ? "reconnecting" : "disconnected");
  });
  socket.on("connect_error", () => {
    if (!socket.active) setState(connection, "disconnected");
    else if (connection.state !== "connecting") setState(connection, "reconnecting");
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

/**
 * Calls `listener` on every (re)connection. When Socket.IO could not recover
 * the session (`recovered` false) the server has forgotten this socket's rooms
 * and the events it missed: the listener must join again to get a snapshot.
 */
export function onConnect(listener: ConnectListener): () => void {
  const current = connection();
  current.connectListeners.add(listener);
  return () => current.connectListeners.delete(listener);
}

/** Reconnects a socket that gave up or was refused (e.g. after the session cookie was renewed). */
export function reconnect(): void {
  const { socket } = connection();
  if (!socket.connected) socket.connect();
}
