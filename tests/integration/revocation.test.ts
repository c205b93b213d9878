import { randomBytes } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { builtInAgents, Roster } from "@/lib/agents/roster";
import { createChatService } from "@/lib/chat/service";
import type { ChatService } from "@/lib/chat/types";
import { ChatLink } from "@/lib/client/chat-link";
import { type ChatState, chatReducer, initialChatState } from "@/lib/client/state";
import { openDatabase } from "@/lib/db/client";
import { createStore, type Store } from "@/lib/db/queries";
import type { AgentProcessingCompleteEvent, ConversationUnavailableEvent } from "@/lib/protocol";
import { FakeGateway } from "../fixtures/fake-gateway";
import {
  connect,
  connected,
  expectOk,
  newSession,
  type ReceivedEvent,
  recordEvents,
  request,
  type TestSocket,
} from "../helpers/client";
import { createTestDatabase } from "../helpers/postgres";
import { type ReplicaPair, startReplicaPair } from "../helpers/replicas";
import { type ServerProcess, startServerProcess } from "../helpers/server-process";

// Revoking a share link (making the conversation private) or deleting the
// conversation must take its viewers out at once, on every replica, and keep
// them out through Socket.IO connection state recovery.
let gateway: FakeGateway;
const sockets: TestSocket[] = [];
const recorders: Array<ReturnType<typeof recordEvents>> = [];

beforeAll(async () => {
  gateway = await FakeGateway.start();
});
afterAll(async () => {
  await gateway?.close();
});
afterEach(() => {
  for (const socket of sockets.splice(0)) socket.disconnect();
  for (const recorder of recorders.splice(0)) expect(recorder.invalid).toEqual([]);
  gateway.reset();
});

type Session = { cookie: string; userId: string };
type Client = Session & { socket: TestSocket; events: ReturnType<typeof recordEvents> };

function follow(socket: TestSocket) {
  sockets.push(socket);
  const events = recordEvents(socket);
  recorders.push(events);
  return events;
}

async function client(server: ServerProcess, session?: Session): Promise<Client> {
  const identity = session ?? (await newSession(server.url));
  const socket = connect(server.url, identity.cookie);
  const events = follow(socket);
  await connected(socket);
  return { ...identity, socket, events };
}

/** PATCHes the visibility and answers the share id the server gave (null when private). */
async function setVisibility(
  server: ServerProcess,
  owner: Session,
  conversationId: string,
  visibility: "public" | "private",
): Promise<string | null> {
  const response = await fetch(`${server.url}/api/conversations/${conversationId}`, {
    method: "PATCH",
    headers: { cookie: owner.cookie, "content-type": "application/json" },
    body: JSON.stringify({ visibility }),
  });
  expect(response.status).toBe(200);
  const { shareUrl } = (await response.json()) as { shareUrl: string | null };
  return shareUrl ? (new URL(shareUrl).pathname.split("/").at(-1) ?? null) : null;
}

/** The owner starts a streaming answer in a new conversation and publishes it. */
async function sharedRun(server: ServerProcess, owner: Client, tokens: string[]) {
  gateway.enqueue({ tokens, tokenDelayMs: 15 });
  const ack = expectOk(
    await request(owner.socket, "send_message", {
      text: "Stream for the readers",
      clientMessageId: randomBytes(6).toString("hex"),
    }),
  );
  const conversationId = ack.conversationId;
  const messageId = ack.runs[0]?.messageId ?? "";
  const shareId = (await setVisibility(server, owner, conversationId, "public")) ?? "";
  expect(shareId).not.toBe("");
  return { conversationId, messageId, shareId };
}

const words = (count: number, stem: string) => Array.from({ length: count }, (_, i) => ` ${stem}${i}`);
const updatesOf = (events: ReceivedEvent[]) => events.filter((e) => e.name === "agent_processing_update");
const deltasOf = (events: ReceivedEvent[]) => updatesOf(events).map((e) => e.payload.delta as string);
const ofConversation = (events: ReceivedEvent[], conversationId: string) =>
  events.filter((e) => e.payload.conversationId === conversationId);
const notices = (events: ReceivedEvent[]) => events.filter((e) => e.name === "conversation_unavailable");

/** One round trip: every packet the server sent this socket before it answers has arrived. */
async function settled(socket: TestSocket): Promise<void> {
  expectOk(await request(socket, "leave_conversation", { conversationId: "nothing-here" }));
}

/** What the socket received of the conversation from its notice on: the notice, and nothing after it. */
function fromNotice(events: ReceivedEvent[], conversationId: string) {
  const mine = ofConversation(events, conversationId);
  const at = mine.findIndex((e) => e.name === "conversation_unavailable");
  return { before: at < 0 ? mine : mine.slice(0, at), from: at < 0 ? [] : mine.slice(at) };
}

function expectOnlyNotice(events: ReceivedEvent[], conversationId: string, reason: "private" | "deleted") {
  const { from } = fromNotice(events, conversationId);
  expect(from.map((e) => e.name)).toEqual(["conversation_unavailable"]);
  expect(from[0]?.payload).toEqual({ conversationId, reason } satisfies ConversationUnavailableEvent);
}

/**
 * Drops the transport as a network blip does, keeping what socket.io-client
 * sends to recover the session: its private id and the last offset it saw.
 */
async function dropTransport(socket: TestSocket) {
  const { _pid: pid, _lastOffset: offset } = socket as unknown as { _pid: string; _lastOffset: string };
  expect(pid).toBeTruthy();
  expect(offset).toBeTruthy();
  const socketId = socket.id;
  const gone = new Promise((resolve) => socket.once("disconnect", resolve));
  socket.io.engine?.close();
  await gone;
  return { socketId, auth: { pid, offset } };
}

/** A new client offering the dropped session; recovered when the server gives back the same socket id. */
async function reconnect(
  server: ServerProcess,
  cookie: string,
  dropped: Awaited<ReturnType<typeof dropTransport>>,
) {
  const socket = connect(server.url, cookie, dropped.auth);
  const events = follow(socket);
  await connected(socket);
  expect(socket.id).toBe(dropped.socketId);
  return { socket, events };
}

async function ownerSeesMore(owner: Client, messageId: string, more: number) {
  const seen = updatesOf(owner.events.forMessage(messageId)).length;
  await owner.events.waitFor(() => updatesOf(owner.events.forMessage(messageId)).length >= seen + more);
}

describe("revoking access on a single node", () => {
  let server: ServerProcess;

  beforeAll(async () => {
    server = await startServerProcess({
      env: { LLM_BASE_URL: gateway.baseUrl, LLM_MODEL: "fake-model" },
    });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("takes a share viewer out the moment the owner makes it private mid-stream; the owner streams on", async () => {
    const owner = await client(server);
    const tokens = words(150, "p");
    const { conversationId, messageId, shareId } = await sharedRun(server, owner, tokens);
    const viewer = await client(server);
    expectOk(await request(viewer.socket, "join_conversation", { shareId }));
    await viewer.events.waitFor(() => updatesOf(viewer.events.forMessage(messageId)).length >= 5);

    expect(await setVisibility(server, owner, conversationId, "private")).toBeNull();
    await viewer.events.waitFor(() => notices(viewer.events.events).length > 0);

    const terminal = (await owner.events.terminalOf(messageId)) as AgentProcessingCompleteEvent;
    expect(terminal).toMatchObject({ finishReason: "stop", text: tokens.join("") });
    expect(deltasOf(owner.events.forMessage(messageId))).toEqual(tokens);
    expect(notices(owner.events.events)).toEqual([]);
    await settled(viewer.socket);
    const { before } = fromNotice(viewer.events.events, conversationId);
    expect(updatesOf(before).length).toBeLessThan(tokens.length);
    expectOnlyNotice(viewer.events.events, conversationId, "private");
  });

  it("keeps a share viewer who may still read it through connection state recovery, missed updates and all", async () => {
    const owner = await client(server);
    const tokens = words(120, "k");
    const { messageId, shareId } = await sharedRun(server, owner, tokens);
    const viewer = await client(server);
    const joined = expectOk(await request(viewer.socket, "join_conversation", { shareId }));
    const snapshot = joined.inProgress.find((run) => run.messageId === messageId) ?? { seq: 0, text: "" };
    await viewer.events.waitFor(() => updatesOf(viewer.events.forMessage(messageId)).length >= 5);
    const dropped = await dropTransport(viewer.socket);
    await ownerSeesMore(owner, messageId, 10);

    const { events: later } = await reconnect(server, viewer.cookie, dropped);
    await later.terminalOf(messageId);
    const all = [...viewer.events.forMessage(messageId), ...later.forMessage(messageId)];
    const since = all.filter((e) => (e.payload.seq as number) > snapshot.seq);
    expect(since.map((e) => e.payload.seq)).toEqual(since.map((_, i) => snapshot.seq + 1 + i));
    expect(snapshot.text + deltasOf(since).join("")).toBe(tokens.join(""));
    expect(notices(later.events)).toEqual([]);
  });

  it("gives a viewer who was away at the revocation nothing of it on recovery: no missed updates, no new ones", async () => {
    const owner = await client(server);
    const tokens = words(200, "r");
    const { conversationId, messageId, shareId } = await sharedRun(server, owner, tokens);
    const viewer = await client(server);
    expectOk(await request(viewer.socket, "join_conversation", { shareId }));
    await viewer.events.waitFor(() => updatesOf(viewer.events.forMessage(messageId)).length >= 5);
    const dropped = await dropTransport(viewer.socket);
    // Updates it misses while still allowed, then the revocation, then more.
    await ownerSeesMore(owner, messageId, 5);
    await setVisibility(server, owner, conversationId, "private");
    await ownerSeesMore(owner, messageId, 5);

    const { socket: back, events: later } = await reconnect(server, viewer.cookie, dropped);
    await later.waitFor(() => notices(later.events).length > 0);
    await owner.events.terminalOf(messageId);
    // A later message of the owner's does not reach it either.
    gateway.enqueue({ tokens: ["More"] });
    const next = expectOk(
      await request(owner.socket, "send_message", {
        conversationId,
        text: "Anyone still there?",
        clientMessageId: randomBytes(6).toString("hex"),
      }),
    );
    await owner.events.terminalOf(next.runs[0]?.messageId ?? "");
    await settled(back);
    expect(ofConversation(later.events, conversationId).map((e) => e.name)).toEqual([
      "conversation_unavailable",
    ]);
    expectOnlyNotice(later.events, conversationId, "private");
    const rejoin = await request(back, "join_conversation", { shareId });
    expect(rejoin.ok === false && rejoin.error.code).toBe("not_found:conversation");
  });

  it("stops a share page following: it shows the notice and does not join again after reconnecting", async () => {
    const owner = await client(server);
    const { conversationId, messageId, shareId } = await sharedRun(server, owner, words(150, "v"));
    const { cookie } = await newSession(server.url);
    const socket = connect(server.url, cookie);
    sockets.push(socket);
    let state: ChatState = initialChatState({ agentNames: {} });
    const joinErrors: unknown[] = [];
    const link = new ChatLink({
      socket,
      dispatch: (action) => {
        state = chatReducer(state, action);
      },
      target: { shareId },
      onJoinError: (error) => error && joinErrors.push(error),
    });
    const close = link.open();
    await connected(socket);
    const streaming = () => state.entries.some((entry) => entry.id === messageId && entry.text.length > 0);
    await expect.poll(streaming, { timeout: 10_000 }).toBe(true);

    await setVisibility(server, owner, conversationId, "private");
    await expect.poll(() => state.unavailable, { timeout: 10_000 }).toBe("private");
    expect(state.entries).toEqual([]);
    let joins = 0;
    socket.onAnyOutgoing((event) => {
      if (event === "join_conversation") joins += 1;
    });
    // A new session, not a recovered one: a page still following would join again here.
    socket.disconnect();
    socket.connect();
    await connected(socket);
    expect(socket.recovered).toBe(false);
    expect(joins).toBe(0);
    expect(joinErrors).toEqual([]);
    expect(state.unavailable).toBe("private");
    close();
  });

  it("publishes again under a new link; the old one stays dead for joins and pages", async () => {
    const owner = await client(server);
    const { conversationId, messageId, shareId: first } = await sharedRun(server, owner, ["Hello"]);
    await owner.events.terminalOf(messageId);
    expect(await setVisibility(server, owner, conversationId, "public")).toBe(first);

    expect(await setVisibility(server, owner, conversationId, "private")).toBeNull();
    const second = await setVisibility(server, owner, conversationId, "public");
    expect(second).toBeTruthy();
    expect(second).not.toBe(first);

    const viewer = await client(server);
    const refused = await request(viewer.socket, "join_conversation", { shareId: first });
    expect(refused.ok === false && refused.error.code).toBe("not_found:conversation");
    expect((await fetch(`${server.url}/s/${first}`)).status).toBe(404);
    const joined = expectOk(await request(viewer.socket, "join_conversation", { shareId: second ?? "" }));
    expect(joined.conversation.id).toBe(conversationId);
    expect((await fetch(`${server.url}/s/${second}`)).status).toBe(200);
  });

  it("on delete, tells viewers and the owner's other tabs, takes them all out, and nothing more follows", async () => {
    const owner = await client(server);
    const { conversationId, messageId, shareId } = await sharedRun(server, owner, words(300, "d"));
    const otherTab = await client(server, owner);
    expectOk(await request(otherTab.socket, "join_conversation", { conversationId }));
    const viewer = await client(server);
    expectOk(await request(viewer.socket, "join_conversation", { shareId }));
    await viewer.events.waitFor(() => updatesOf(viewer.events.forMessage(messageId)).length >= 5);

    const response = await fetch(`${server.url}/api/conversations/${conversationId}`, {
      method: "DELETE",
      headers: { cookie: owner.cookie },
    });
    expect(response.status).toBe(204);
    for (const { socket, events } of [owner, otherTab, viewer]) {
      await events.waitFor(() => notices(events.events).length > 0);
      await settled(socket);
      expectOnlyNotice(events.events, conversationId, "deleted");
    }
    const rejoin = await request(otherTab.socket, "join_conversation", { conversationId });
    expect(rejoin.ok === false && rejoin.error.code).toBe("not_found:conversation");
  });
});

describe("a join racing a revocation", () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let close: () => Promise<void>;
  let store: Store;
  const revoked: string[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    const handle = await openDatabase({ databaseUrl: database.url, dataDir: "unused" });
    store = createStore(handle.db);
    close = () => handle.close();
  });
  afterAll(async () => {
    await close?.();
    await database?.drop();
  });

  function service(overrides: Partial<Store>): ChatService {
    return createChatService({
      store: { ...store, ...overrides },
      roster: new Roster(builtInAgents),
      runs: { enqueue: () => {} },
      directory: {
        inProgress: async () => [],
        cancel: async () => [],
        withdraw: async () => [],
        approve: async () => false,
      },
      announceMessage: () => {},
      announceAnswer: () => {},
      announceBranch: () => {},
      announceRemoved: () => {},
      revokeAccess: (event) => revoked.push(event.conversationId),
      isAccepting: () => true,
      nodeId: "race-node",
      limits: { takeMessage: async () => {}, returnMessage: async () => {}, maxActiveRunsPerUser: 6 },
    });
  }

  it("leaves the room again and refuses when the link was turned off between the check and the subscription", async () => {
    const chat = service({});
    const created = await chat.createConversation({ userId: "u_owner", title: "Race" });
    const shared = await chat.updateConversation({
      userId: "u_owner",
      conversationId: created.id,
      visibility: "public",
    });
    // The revocation commits right after the share link was looked up, before the socket subscribes.
    const racing = service({
      async getConversationByShareId(input) {
        const row = await store.getConversationByShareId(input);
        await chat.updateConversation({
          userId: "u_owner",
          conversationId: created.id,
          visibility: "private",
        });
        return row;
      },
    });
    const rooms = new Set<string>();
    const opening = racing.openConversation({
      userId: "u_viewer",
      target: { shareId: shared.shareId ?? "" },
      subscribe: (id) => rooms.add(id),
      unsubscribe: (id) => rooms.delete(id),
    });
    await expect(opening).rejects.toMatchObject({ type: "not_found" });
    expect(rooms.size).toBe(0);
    expect(revoked).toContain(created.id);
  });
});

describe("revoking access across two replicas", () => {
  let replicas: ReplicaPair;
  let a: ServerProcess;
  let b: ServerProcess;

  beforeAll(async () => {
    replicas = await startReplicaPair({ LLM_BASE_URL: gateway.baseUrl, LLM_MODEL: "fake-model" });
    ({ a, b } = replicas);
  });
  afterAll(async () => {
    await replicas?.stop();
  });

  it("takes a viewer on B out when the owner on A makes it private mid-stream; the owner streams on", async () => {
    const owner = await client(a);
    const tokens = words(150, "x");
    const { conversationId, messageId, shareId } = await sharedRun(a, owner, tokens);
    const viewer = await client(b);
    expectOk(await request(viewer.socket, "join_conversation", { shareId }));
    await viewer.events.waitFor(() => updatesOf(viewer.events.forMessage(messageId)).length >= 5);

    await setVisibility(a, owner, conversationId, "private");
    await viewer.events.waitFor(() => notices(viewer.events.events).length > 0);
    const terminal = (await owner.events.terminalOf(messageId)) as AgentProcessingCompleteEvent;
    expect(terminal.text).toBe(tokens.join(""));
    expect(notices(owner.events.events)).toEqual([]);
    await settled(viewer.socket);
    expectOnlyNotice(viewer.events.events, conversationId, "private");
  });

  it("gives a viewer away from B at the revocation nothing of it when it recovers on A", async () => {
    const owner = await client(a);
    const { conversationId, messageId, shareId } = await sharedRun(a, owner, words(200, "y"));
    const viewer = await client(b);
    expectOk(await request(viewer.socket, "join_conversation", { shareId }));
    await viewer.events.waitFor(() => updatesOf(viewer.events.forMessage(messageId)).length >= 5);
    const dropped = await dropTransport(viewer.socket);
    await ownerSeesMore(owner, messageId, 5);
    await setVisibility(a, owner, conversationId, "private");
    await ownerSeesMore(owner, messageId, 5);

    const { socket: back, events: later } = await reconnect(a, viewer.cookie, dropped);
    await later.waitFor(() => notices(later.events).length > 0);
    await owner.events.terminalOf(messageId);
    await settled(back);
    expect(ofConversation(later.events, conversationId).map((e) => e.name)).toEqual([
      "conversation_unavailable",
    ]);
    expectOnlyNotice(later.events, conversationId, "private");
  });

  it("on delete through A, tells a viewer and the owner's tab on B and takes them out", async () => {
    const owner = await client(a);
    const { conversationId, messageId, shareId } = await sharedRun(a, owner, words(300, "z"));
    const ownerOnB = await client(b, owner);
    expectOk(await request(ownerOnB.socket, "join_conversation", { conversationId }));
    const viewer = await client(b);
    expectOk(await request(viewer.socket, "join_conversation", { shareId }));
    await viewer.events.waitFor(() => updatesOf(viewer.events.forMessage(messageId)).length >= 5);

    const response = await fetch(`${a.url}/api/conversations/${conversationId}`, {
      method: "DELETE",
      headers: { cookie: owner.cookie },
    });
    expect(response.status).toBe(204);
    for (const { socket, events } of [owner, ownerOnB, viewer]) {
      await events.waitFor(() => notices(events.events).length > 0);
      await settled(socket);
      expectOnlyNotice(events.events, conversationId, "deleted");
    }
  });
});
