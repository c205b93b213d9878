import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AgentProcessingErrorEvent } from "@/lib/protocol";
import { FakeGateway } from "../fixtures/fake-gateway";
import { serverBackends } from "../helpers/backends";
import {
  connect,
  connected,
  expectOk,
  fetchConversation,
  newSession,
  recordEvents,
  request,
  streamedText,
  type TestSocket,
} from "../helpers/client";
import { createTestDatabase } from "../helpers/postgres";
import { createTestRedisPrefix } from "../helpers/redis";
import { type ServerProcess, startServerProcess } from "../helpers/server-process";

const words = (count: number, prefix: string) => Array.from({ length: count }, (_, i) => ` ${prefix}${i}`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const CHECKPOINT_MS = 250;

let gateway: FakeGateway;
beforeAll(async () => {
  gateway = await FakeGateway.start();
});
afterAll(() => gateway?.close());

async function follow(server: ServerProcess, cookie: string) {
  const socket = connect(server.url, cookie);
  await connected(socket);
  return { socket, events: recordEvents(socket) };
}

/** SIGKILL: no drain, no final write; resolves once the client has seen the connection go. */
async function killHard(server: ServerProcess, socket: TestSocket): Promise<void> {
  const gone = new Promise((resolve) => socket.once("disconnect", resolve));
  server.child.kill("SIGKILL");
  expect(await server.exited).toBeNull();
  await gone;
}

describe.each(serverBackends)("kill -9 on $name", (backend) => {
  it("restarts with the run in flight interrupted, its checkpointed text kept, and everything stored intact", async () => {
    const { env, tearDown } = await backend.setUp();
    const serverEnv = {
      ...env,
      NODE_ID: `crash-${randomBytes(4).toString("hex")}`,
      LLM_BASE_URL: gateway.baseUrl,
      LLM_MODEL: "fake-model",
      RUN_CHECKPOINT_MS: String(CHECKPOINT_MS),
    };
    try {
      gateway.reset();
      const first = await startServerProcess({ env: serverEnv, dataDir: env.DATA_DIR });
      const { cookie } = await newSession(first.url);
      const { socket, events } = await follow(first, cookie);

      gateway.enqueue({ tokens: ["Kept", " answer."] });
      const before = expectOk(
        await request(socket, "send_message", { text: "First", clientMessageId: "before" }),
      );
      await events.terminalOf(before.runs[0]?.messageId ?? "");

      const tokens = words(500, "k");
      gateway.enqueue({ tokens, tokenDelayMs: 20 });
      const ack = expectOk(
        await request(socket, "send_message", {
          text: "Long",
          conversationId: before.conversationId,
          clientMessageId: "crash",
          agentIds: ["atlas", "quill"],
        }),
      );
      const streaming = ack.runs[0]?.messageId ?? "";
      const seen = () => streamedText(events.forMessage(streaming));
      await events.waitFor(() => seen().length >= " k0 k1 k2 k3 k4 k5 k6 k7 k8 k9 k10 k11".length);
      const seenBeforeCheckpoint = seen();
      await sleep(3 * CHECKPOINT_MS);
      await killHard(first, socket);
      const seenAtCrash = seen();

      const second = await startServerProcess({ env: serverEnv, dataDir: env.DATA_DIR });
      try {
        const stored = await fetchConversation(second.url, cookie, before.conversationId);
        expect(stored.messages.map((m) => [m.role, m.status])).toEqual([
          ["user", "complete"],
          ["assistant", "complete"],
          ["user", "complete"],
          ["assistant", "interrupted"],
          ["assistant", "interrupted"],
        ]);
        expect(stored.messages.map((m) => m.text).slice(0, 3)).toEqual(["First", "Kept answer.", "Long"]);
        const partial = stored.messages[3]?.text ?? "";
        expect(partial.length).toBeGreaterThanOrEqual(seenBeforeCheckpoint.length);
        expect(seenAtCrash.startsWith(partial), "the stored text is a prefix of what was streamed").toBe(
          true,
        );
        expect(tokens.join("").startsWith(partial)).toBe(true);
        expect(stored.messages[3]?.error).toMatchObject({ code: "interrupted" });
        // The agent waiting for its turn never started: interrupted, with no text.
        expect(stored.messages[4]?.text).toBe("");
        expect(second.logs).toContainEqual(
          expect.objectContaining({ msg: "unfinished runs recovered", interrupted: 2 }),
        );

        const viewer = await follow(second, cookie);
        const joined = expectOk(
          await request(viewer.socket, "join_conversation", { conversationId: before.conversationId }),
        );
        expect(joined.inProgress).toEqual([]);
        expect(joined.conversation.messages[3]).toMatchObject({ status: "interrupted", text: partial });
        viewer.socket.disconnect();
      } finally {
        await second.stop();
      }
    } finally {
      await tearDown();
    }
  });
});

describe("several replicas on one PostgreSQL and Redis", () => {
  it("a starting replica leaves another replica's live run alone; when that replica dies its run is interrupted and viewers told", async () => {
    const database = await createTestDatabase();
    const redis = await createTestRedisPrefix();
    const dataDir = mkdtempSync(join(tmpdir(), "switchboard-nodes-"));
    const common = {
      DATABASE_URL: database.url,
      LLM_BASE_URL: gateway.baseUrl,
      LLM_MODEL: "fake-model",
      SESSION_SECRET: randomBytes(24).toString("hex"),
      RUN_CHECKPOINT_MS: "200",
      RUN_HEARTBEAT_MS: "200",
      RUN_STALE_AFTER_MS: "2500",
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: redis.prefix,
    };
    const servers: ServerProcess[] = [];
    try {
      gateway.reset();
      const nodeA = await startServerProcess({ env: { ...common, NODE_ID: "node-a" }, dataDir });
      servers.push(nodeA);
      const { cookie } = await newSession(nodeA.url);
      const onA = await follow(nodeA, cookie);
      const tokens = words(4_000, "n");
      gateway.enqueue({ tokens, tokenDelayMs: 10 });
      const ack = expectOk(
        await request(onA.socket, "send_message", { text: "Long", clientMessageId: "nodes" }),
      );
      const messageId = ack.runs[0]?.messageId ?? "";
      await onA.events.waitFor(() => streamedText(onA.events.forMessage(messageId)).length > 20);

      const nodeB = await startServerProcess({ env: { ...common, NODE_ID: "node-b" }, dataDir });
      servers.push(nodeB);
      const onB = await follow(nodeB, cookie);
      const joined = expectOk(
        await request(onB.socket, "join_conversation", { conversationId: ack.conversationId }),
      );
      expect(joined.conversation.messages[1]?.status).toBe("streaming");
      // Longer than the stale threshold: node B has swept several times meanwhile.
      const seenWhenBStarted = streamedText(onA.events.forMessage(messageId)).length;
      await sleep(3_000);
      const onARun = onA.events.forMessage(messageId);
      expect(onARun.some((e) => e.name === "agent_processing_error")).toBe(false);
      expect(streamedText(onARun).length).toBeGreaterThan(seenWhenBStarted);
      // Through Redis, B's viewer watches the run on A and sees it keep streaming.
      expect(streamedText(onB.events.forMessage(messageId)).length).toBeGreaterThan(0);
      expect(onB.events.forMessage(messageId).some((e) => e.name === "agent_processing_error")).toBe(false);
      expect((await fetchConversation(nodeB.url, cookie, ack.conversationId)).messages[1]?.status).toBe(
        "streaming",
      );

      // A message sent to B meanwhile waits for its turn: A still runs the one before it.
      gateway.enqueue({ tokens: ["After", " the", " crash."] });
      const next = expectOk(
        await request(onB.socket, "send_message", {
          conversationId: ack.conversationId,
          text: "And then?",
          clientMessageId: "nodes-next",
        }),
      );
      const nextId = next.runs[0]?.messageId ?? "";
      await onB.events.waitFor(() =>
        onB.events.forMessage(nextId).some((e) => e.name === "agent_processing_status"),
      );
      expect(onB.events.forMessage(nextId).map((e) => e.name)).toEqual(["agent_processing_status"]);
      expect(onB.events.forMessage(nextId)[0]?.payload.status).toBe("queued");

      await killHard(nodeA, onA.socket);
      const killedAt = Date.now();
      const told = (await onB.events.terminalOf(messageId, 10_000)) as AgentProcessingErrorEvent;
      expect(Date.now() - killedAt).toBeLessThan(7_000);
      expect(told.error).toMatchObject({ code: "interrupted", retryable: true });
      expect(told.partialText.length).toBeGreaterThan(20);
      // With the Redis adapter, even local delivery waits for the stream append, so the last
      // checkpoint may hold tokens A's viewer never received. Both are prefixes of the answer.
      const answer = tokens.join("");
      expect(answer.startsWith(told.partialText)).toBe(true);
      expect(answer.startsWith(streamedText(onA.events.forMessage(messageId)))).toBe(true);
      const stored = await fetchConversation(nodeB.url, cookie, ack.conversationId);
      expect(stored.messages[1]).toMatchObject({ status: "interrupted", text: told.partialText });
      // The dead replica's turn is released: the waiting message is answered, after the interruption.
      const answered = await onB.events.terminalOf(nextId, 10_000);
      expect(answered).toMatchObject({ text: "After the crash.", finishReason: "stop" });
      const at = (name: string, id: string) =>
        onB.events.events.find((e) => e.name === name && e.payload.messageId === id)?.at ?? Number.NaN;
      expect(at("agent_processing_started", nextId)).toBeGreaterThanOrEqual(
        at("agent_processing_error", messageId),
      );
      onB.socket.disconnect();
    } finally {
      for (const server of servers) await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
      await database.drop();
      await redis.cleanUp();
    }
  });
});
