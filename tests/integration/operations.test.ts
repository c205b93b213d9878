import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { FakeGateway } from "../fixtures/fake-gateway";
import {
  connect,
  connected,
  expectOk,
  newSession,
  recordEvents,
  request,
  type TestSocket,
} from "../helpers/client";
import { sampleValue, scrape } from "../helpers/metrics";
import { createTestDatabase, POSTGRES_ADMIN_URL } from "../helpers/postgres";
import { type ServerProcess, startServerProcess } from "../helpers/server-process";

const API_KEY = `sk-test-${randomBytes(12).toString("hex")}`;
let gateway: FakeGateway;
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let server: ServerProcess;
const sockets: TestSocket[] = [];

beforeAll(async () => {
  [gateway, database] = await Promise.all([FakeGateway.start(), createTestDatabase()]);
  server = await startServerProcess({
    env: {
      DATABASE_URL: database.url,
      LLM_BASE_URL: gateway.baseUrl,
      LLM_API_KEY: API_KEY,
      LLM_MODEL: "fake-model",
      LLM_MAX_RETRIES: "2",
    },
  });
});
afterAll(async () => {
  await server?.stop();
  await gateway?.close();
  await database?.drop();
});
afterEach(() => {
  for (const socket of sockets.splice(0)) socket.disconnect();
  gateway.reset();
});

async function runOnce(target: ServerProcess, text: string) {
  const { cookie } = await newSession(target.url);
  const socket = connect(target.url, cookie);
  sockets.push(socket);
  await connected(socket);
  const events = recordEvents(socket);
  const ack = expectOk(
    await request(socket, "send_message", { text, clientMessageId: randomBytes(6).toString("hex") }),
  );
  const messageId = ack.runs[0]?.messageId ?? "";
  return { socket, events, messageId, terminal: await events.terminalOf(messageId) };
}

type LogLine = Record<string, unknown>;
const runLines = (target: ServerProcess, messageId: string) =>
  target.logs.filter(
    (line): line is LogLine =>
      typeof line === "object" && line.msg === "run finished" && line.messageId === messageId,
  );

/** The run's log line is written after its terminal event goes out: wait for it. */
async function runLine(target: ServerProcess, messageId: string): Promise<LogLine> {
  const deadline = Date.now() + 5_000;
  while (runLines(target, messageId).length === 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const lines = runLines(target, messageId);
  expect(lines).toHaveLength(1);
  return lines[0] as LogLine;
}

describe("metrics and the run log", () => {
  it("counts a run in /metrics: outcome, duration, time to first token, token rate, upstream errors by status", async () => {
    const before = await scrape(server.url);
    const tokens = Array.from({ length: 12 }, (_, i) => ` m${i}`);
    gateway.enqueue(
      { status: 500, errorMessage: "busy" },
      { tokens, tokenDelayMs: 10, firstTokenDelayMs: 100 },
    );
    const { terminal } = await runOnce(server, "Count this run");
    expect(terminal).toMatchObject({ finishReason: "stop", text: tokens.join("") });

    const after = await scrape(server.url);
    const delta = (name: string, labels: Record<string, string>) =>
      sampleValue(after, name, labels) - sampleValue(before, name, labels);
    const atlas = { agent: "atlas" };
    const byModel = { ...atlas, model: "fake-model" };
    expect(delta("switchboard_runs_total", { ...atlas, outcome: "complete" })).toBe(1);
    expect(delta("switchboard_run_duration_seconds_count", { ...atlas, outcome: "complete" })).toBe(1);
    expect(delta("switchboard_time_to_first_token_seconds_count", byModel)).toBe(1);
    // The first token came after a failed attempt, a backoff and a 100 ms pause.
    expect(delta("switchboard_time_to_first_token_seconds_sum", byModel)).toBeGreaterThan(0.1);
    expect(delta("switchboard_tokens_per_second_count", byModel)).toBe(1);
    expect(delta("switchboard_upstream_errors_total", { status: "500", code: "upstream_error" })).toBe(1);
    expect(sampleValue(after, "switchboard_active_runs", atlas)).toBe(0);
    expect(sampleValue(after, "switchboard_connected_sockets")).toBeGreaterThanOrEqual(1);
  });

  it("logs one line per run with its ids, model, timings and outcome, and no text", async () => {
    const tokens = ["Private", " answer", " words"];
    gateway.enqueue({ tokens, tokenDelayMs: 10, usage: { prompt_tokens: 9, completion_tokens: 7 } });
    const { messageId, terminal } = await runOnce(server, "A very private question");
    const line = await runLine(server, messageId);
    expect(line).toMatchObject({
      level: 30,
      messageId,
      conversationId: terminal.conversationId,
      agentId: "atlas",
      model: "fake-model",
      outcome: "complete",
      finishReason: "stop",
      // The upstream's count when it gives one, not the number of deltas.
      tokens: 7,
      chars: tokens.join("").length,
    });
    expect(line.ttftMs).toEqual(expect.any(Number));
    expect(line.durationMs).toBeGreaterThanOrEqual(line.ttftMs as number);
    expect(line.tokensPerSecond).toEqual(expect.any(Number));
    expect(typeof line.node).toBe("string");
    const raw = JSON.stringify(line);
    expect(raw).not.toContain("Private");
    expect(raw).not.toContain("private question");
  });

  it("logs a failed run once, with its error code, and never the API key", async () => {
    // Like some gateways, this one quotes the key it refuses.
    gateway.enqueue({ status: 401, errorMessage: `Invalid API key: ${API_KEY}` });
    const { messageId, terminal } = await runOnce(server, "Will fail");
    expect(terminal).toMatchObject({
      error: { code: "unauthorized", message: expect.stringContaining("[redacted]") },
    });
    expect(JSON.stringify(terminal)).not.toContain(API_KEY);
    expect(await runLine(server, messageId)).toMatchObject({
      level: 40,
      outcome: "error",
      errorCode: "unauthorized",
    });
    // The key was in use: the gateway received it.
    expect(gateway.requests[0]?.headers.authorization).toBe(`Bearer ${API_KEY}`);
    const everything = server.logs.map((line) => (typeof line === "string" ? line : JSON.stringify(line)));
    expect(everything.length).toBeGreaterThan(3);
    expect(everything.filter((line) => line.includes(API_KEY))).toEqual([]);
  });
});

describe("readiness", () => {
  it("is ready while the database answers, reporting the LLM without asking it on every probe", async () => {
    for (let i = 0; i < 10; i++) {
      const response = await fetch(`${server.url}/api/ready`);
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({
        status: "ready",
        database: "ok",
        draining: false,
        redis: "unused",
        llm: { ok: true, kind: "gateway" },
      });
    }
    // A check at most every 30 s: ten probes cause at most one.
    expect(gateway.modelListRequests).toBeLessThanOrEqual(1);
  });

  it("answers 503 while the database is unreachable and keeps serving liveness", async () => {
    const own = await createTestDatabase();
    const target = await startServerProcess({
      env: { DATABASE_URL: own.url, LLM_BASE_URL: gateway.baseUrl, LLM_MODEL: "fake-model" },
    });
    try {
      expect((await fetch(`${target.url}/api/ready`)).status).toBe(200);
      // Take the database away under the running server (only this test's own database).
      const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
      await admin.connect();
      await admin.query(`drop database ${new URL(own.url).pathname.slice(1)} with (force)`);
      await admin.end();

      const ready = await fetch(`${target.url}/api/ready`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toMatchObject({
        status: "not_ready",
        database: "unreachable",
        draining: false,
      });
      expect((await fetch(`${target.url}/api/health`)).status).toBe(200);
      expect(target.child.exitCode).toBeNull();
    } finally {
      await target.stop();
      await own.drop();
    }
  });

  it("answers 503 while draining on SIGTERM, then exits 0", async () => {
    const target = await startServerProcess({
      env: {
        DATABASE_URL: database.url,
        LLM_BASE_URL: gateway.baseUrl,
        LLM_MODEL: "fake-model",
        SHUTDOWN_GRACE_MS: "4000",
      },
    });
    gateway.enqueue({ tokens: Array.from({ length: 400 }, (_, i) => ` d${i}`), tokenDelayMs: 20 });
    const { cookie } = await newSession(target.url);
    const socket = connect(target.url, cookie);
    sockets.push(socket);
    await connected(socket);
    const events = recordEvents(socket);
    const ack = expectOk(await request(socket, "send_message", { text: "Long", clientMessageId: "drain" }));
    const messageId = ack.runs[0]?.messageId ?? "";
    await events.waitFor(() =>
      events.forMessage(messageId).some((e) => e.name === "agent_processing_update"),
    );
    expect((await fetch(`${target.url}/api/ready`)).status).toBe(200);

    target.child.kill("SIGTERM");
    const deadline = Date.now() + 3_000;
    let ready = await fetch(`${target.url}/api/ready`);
    while (ready.status === 200 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      ready = await fetch(`${target.url}/api/ready`);
    }
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ status: "not_ready", draining: true, database: "ok" });
    expect(await target.stop()).toBe(0);
  });
});
