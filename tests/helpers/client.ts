import { io, type Socket } from "socket.io-client";
import type {
  Ack,
  AgentProcessingCompleteEvent,
  AgentProcessingErrorEvent,
  ClientToServerEvents,
  Conversation,
  ServerToClientEvents,
} from "@/lib/protocol";
import { serverEventSchemas, serverEvents } from "@/lib/protocol";

export type TestSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** A guest identity as a browser gets it: the cookie set by GET /api/session. */
export async function newSession(baseUrl: string): Promise<{ cookie: string; userId: string }> {
  const response = await fetch(`${baseUrl}/api/session`);
  const setCookie = response.headers.get("set-cookie") ?? "";
  const cookie = setCookie.split(";")[0] ?? "";
  if (!cookie.startsWith("sid=")) throw new Error(`no session cookie in ${JSON.stringify(setCookie)}`);
  const body = (await response.json()) as { userId: string };
  return { cookie, userId: body.userId };
}

/** `auth` is the CONNECT packet's payload: `{ pid, offset }` asks the server to recover a session. */
export function connect(
  baseUrl: string,
  cookie?: string,
  auth?: Record<string, unknown>,
  headers: Record<string, string> = {},
): TestSocket {
  return io(baseUrl, {
    path: "/socket.io",
    transports: ["websocket"],
    extraHeaders: { ...headers, ...(cookie ? { cookie } : {}) },
    reconnection: false,
    forceNew: true,
    ...(auth ? { auth } : {}),
  });
}

export async function connected(socket: TestSocket): Promise<void> {
  if (socket.connected) return;
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", () => resolve());
    socket.once("connect_error", reject);
  });
}

/** Emits a client event and resolves with its acknowledgement. */
export function request<E extends keyof ClientToServerEvents>(
  socket: TestSocket,
  event: E,
  payload: Parameters<ClientToServerEvents[E]>[0],
): Promise<Parameters<Parameters<ClientToServerEvents[E]>[1]>[0]> {
  // biome-ignore lint/suspicious/noExplicitAny: the typed emit cannot express a generic event name
  return (socket.timeout(10_000) as any).emitWithAck(event, payload);
}

export function expectOk<T extends object>(ack: Ack<T>): { ok: true } & T {
  if (!ack.ok) throw new Error(`request failed: ${ack.error.code}: ${ack.error.message}`);
  return ack;
}

export type ReceivedEvent = { name: string; at: number; payload: Record<string, unknown> };

/**
 * Records every server event a socket receives, in arrival order, and every
 * payload that breaks the protocol's schema (`invalid` should stay empty).
 */
export function recordEvents(socket: TestSocket) {
  const events: ReceivedEvent[] = [];
  const invalid: Array<{ name: string; issue: string }> = [];
  const waiters: Array<() => void> = [];
  for (const name of serverEvents) {
    socket.on(name, (payload: object) => {
      const checked = serverEventSchemas[name].safeParse(payload);
      if (!checked.success) invalid.push({ name, issue: checked.error.message });
      events.push({ name, at: performance.now(), payload: payload as Record<string, unknown> });
      for (const wake of waiters.splice(0)) wake();
    });
  }
  const forMessage = (messageId: string) => events.filter((e) => e.payload.messageId === messageId);
  const terminal = (messageId: string) =>
    forMessage(messageId).find(
      (e) => e.name === "agent_processing_complete" || e.name === "agent_processing_error",
    );

  async function waitFor(predicate: () => boolean, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out; received: ${events.map((e) => e.name).join(", ")}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  return {
    events,
    invalid,
    forMessage,
    waitFor,
    async terminalOf(messageId: string, timeoutMs?: number) {
      await waitFor(() => terminal(messageId) !== undefined, timeoutMs);
      return terminal(messageId)?.payload as unknown as
        | AgentProcessingCompleteEvent
        | AgentProcessingErrorEvent;
    },
  };
}

/**
 * The sockets a test file follows conversations with: each records what it
 * receives; `closeAll` (after each test) disconnects them and returns the
 * payloads that broke the protocol's schema, which should be none.
 */
export function followingSockets() {
  const open: Array<{ socket: TestSocket; events: ReturnType<typeof recordEvents> }> = [];
  return {
    async follow(baseUrl: string, cookie: string) {
      const socket = connect(baseUrl, cookie);
      await connected(socket);
      const entry = { socket, events: recordEvents(socket) };
      open.push(entry);
      return entry;
    },
    closeAll() {
      const closing = open.splice(0);
      for (const { socket } of closing) socket.disconnect();
      return closing.flatMap(({ events }) => events.invalid);
    },
  };
}

/** The conversation as GET /api/conversations/:id returns it, for checking what is stored. */
export async function fetchConversation(baseUrl: string, cookie: string, id: string): Promise<Conversation> {
  const response = await fetch(`${baseUrl}/api/conversations/${id}`, { headers: { cookie } });
  if (response.status !== 200) throw new Error(`GET conversation ${id}: HTTP ${response.status}`);
  return (await response.json()) as Conversation;
}

/** Concatenated deltas of the updates among `events`, in arrival order. */
export const streamedText = (events: ReceivedEvent[]) =>
  events
    .filter((e) => e.name === "agent_processing_update")
    .map((e) => e.payload.delta as string)
    .join("");
