import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createServer } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AgentProcessingCompleteEvent } from "@/lib/protocol";
import { FakeGateway } from "../fixtures/fake-gateway";
import { connect, connected, expectOk, newSession, recordEvents, request } from "../helpers/client";
import { createTestDatabase } from "../helpers/postgres";
import { type ServerProcess, startServerProcess } from "../helpers/server-process";

// A Redis of this file's own, on a port of its own, so it can be stopped and
// started again without touching the shared one.
let redisPort: number;
let redisProcess: ChildProcess | undefined;
let gateway: FakeGateway;
let database: Awaited<ReturnType<typeof createTestDatabase>>;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  await new Promise<void>((resolve, reject) => {
    let output = "";
    const timer = setTimeout(() => reject(new Error(`redis-server did not start:\n${output}`)), 10_000);
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(new Error("redis-server is not installed (apt-get install redis-server)", { cause: error }));
    });
    child.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes("Ready to accept connections")) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  return child;
}

async function stopRedis(): Promise<void> {
  const child = redisProcess;
  redisProcess = undefined;
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGKILL");
  await exited;
}

async function waitForLog(server: ServerProcess, msg: string, after = 0): Promise<void> {
  const deadline = Date.now() + 10_000;
  const seen = () => server.logs.slice(after).some((line) => typeof line === "object" && line.msg === msg);
  while (!seen()) {
    if (Date.now() > deadline) throw new Error(`no "${msg}" in the server's log`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

beforeAll(async () => {
  redisPort = await freePort();
  redisProcess = await startRedis(redisPort);
  [gateway, database] = await Promise.all([FakeGateway.start(), createTestDatabase()]);
});
afterAll(async () => {
  await stopRedis();
  await gateway?.close();
  await database?.drop();
});

describe("Redis trouble", () => {
  it("refuses to start with one line naming REDIS_URL when Redis does not answer", async () => {
    const closedPort = await freePort();
    const failed = startServerProcess({
      env: { REDIS_URL: `redis://127.0.0.1:${closedPort}`, DATABASE_URL: database.url },
      timeoutMs: 20_000,
    });
    await expect(failed).rejects.toThrow(
      new RegExp(
        `exited with 1[\\s\\S]*Cannot reach Redis at redis://127\\.0\\.0\\.1:${closedPort} \\(REDIS_URL\\)`,
      ),
    );
  });

  it("keeps serving its own sockets while Redis is down, and reconnects when it is back", async () => {
    const server = await startServerProcess({
      env: {
        REDIS_URL: `redis://127.0.0.1:${redisPort}`,
        REDIS_KEY_PREFIX: `outage-${randomBytes(4).toString("hex")}`,
        DATABASE_URL: database.url,
        LLM_BASE_URL: gateway.baseUrl,
        LLM_MODEL: "fake-model",
      },
    });
    try {
      const { cookie } = await newSession(server.url);
      const socket = connect(server.url, cookie);
      await connected(socket);
      const events = recordEvents(socket);
      const ask = async (text: string) => {
        const ack = expectOk(
          await request(socket, "send_message", { text, clientMessageId: randomBytes(6).toString("hex") }),
        );
        const messageId = ack.runs[0]?.messageId ?? "";
        return (await events.terminalOf(messageId)) as AgentProcessingCompleteEvent;
      };
      const redisStatus = async () =>
        ((await (await fetch(`${server.url}/api/ready`)).json()) as { redis: string }).redis;
      expect(await redisStatus()).toBe("ok");

      const logged = server.logs.length;
      await stopRedis();
      await waitForLog(server, "redis connection lost", logged);
      const tokens = ["Still", " streaming", " without", " Redis"];
      gateway.enqueue({ tokens, tokenDelayMs: 5 });
      expect(await ask("Are you there?")).toMatchObject({ finishReason: "stop", text: tokens.join("") });
      // A socket leaving while Redis is away: its session cannot be kept, and nothing goes unhandled.
      const leaving = connect(server.url, cookie);
      await connected(leaving);
      const gone = new Promise((resolve) => leaving.once("disconnect", resolve));
      leaving.io.engine?.close();
      await gone;
      leaving.disconnect();
      const ready = await fetch(`${server.url}/api/ready`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({ status: "ready", redis: "unreachable" });

      const beforeRestart = server.logs.length;
      redisProcess = await startRedis(redisPort);
      await waitForLog(server, "redis reconnected", beforeRestart);
      expect(await redisStatus()).toBe("ok");
      gateway.enqueue({ tokens: ["Back"] });
      expect(await ask("And now?")).toMatchObject({ text: "Back" });
      expect(events.invalid).toEqual([]);
      expect(server.logs.filter((line) => typeof line === "object" && Number(line.level) >= 50)).toEqual([]);
      expect(server.child.exitCode).toBeNull();
      socket.disconnect();
    } finally {
      await server.stop();
    }
  });
});
