import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { io, type Socket } from "socket.io-client";
import { connect, connected, newSession, request, type TestSocket } from "../../tests/helpers/client";
import { writeAgentsFile } from "../../tests/helpers/gateway-server";
import { createTestDatabase } from "../../tests/helpers/postgres";
import { startReplicaPair } from "../../tests/helpers/replicas";
import { type ServerProcess, startServerProcess } from "../../tests/helpers/server-process";
import type { AnswerRecord } from "./measure";
import { forEachSseData } from "./sse";

const root = new URL("../..", import.meta.url).pathname;

/** One client, ready to ask for one answer at a time. */
export type Client = {
  /** Asks for an answer and resolves once it has ended, having told `record` what arrived when. */
  answer(record: AnswerRecord): Promise<void>;
  close(): void;
};

/** A server under test, with the processes whose CPU and memory count. */
export type Target = {
  name: string;
  pids: number[];
  /** Clients for `count` concurrent answers, each with its own connection (and session, where there are any). */
  clients(count: number): Promise<Client[]>;
  stop(): Promise<void>;
};

export type BenchProcess = { port: number; child: ChildProcess; stop(): Promise<void> };

/** Starts one of the benchmark's own processes and waits for the `{"port": …}` line it prints. */
export async function startBenchProcess(
  script: string,
  args: string[],
  nodeArgs: string[] = [],
): Promise<BenchProcess> {
  const child = spawn(
    process.execPath,
    [...nodeArgs, "--import", "tsx", `scripts/bench/${script}`, ...args],
    {
      cwd: root,
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  const port = await new Promise<number>((resolve, reject) => {
    let buffered = "";
    child.stdout?.setEncoding("utf8");
    child.stdout?.on("data", (chunk: string) => {
      buffered += chunk;
      const line = buffered.split("\n")[0];
      if (buffered.includes("\n") && line) resolve((JSON.parse(line) as { port: number }).port);
    });
    child.once("exit", (code) => reject(new Error(`${script} exited with ${code} before listening`)));
  });
  return {
    port,
    child,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    },
  };
}

/** Resolves when `done` is called, or rejects after `timeoutMs`. */
function ending(timeoutMs: number): { promise: Promise<void>; done(): void; fail(error: Error): void } {
  let done = () => {};
  let fail: (error: Error) => void = () => {};
  const promise = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no end within ${timeoutMs} ms`)), timeoutMs);
    done = () => {
      clearTimeout(timer);
      resolve();
    };
    fail = (error) => {
      clearTimeout(timer);
      reject(error);
    };
  });
  return { promise, done, fail };
}

const pidOf = (child: ChildProcess) => {
  if (child.pid === undefined) throw new Error("the process has no pid");
  return child.pid;
};

/** In batches, so preparing hundreds of clients does not itself look like an attack. */
async function inBatches<T>(count: number, make: () => Promise<T>): Promise<T[]> {
  const made: T[] = [];
  while (made.length < count) {
    const batch = Math.min(25, count - made.length);
    made.push(...(await Promise.all(Array.from({ length: batch }, make))));
  }
  return made;
}

export async function startFloor(gatewayUrl: string, timeoutMs: number): Promise<Target> {
  const floor = await startBenchProcess("floor.ts", ["--gateway", gatewayUrl], profileArgs());
  const url = `http://127.0.0.1:${floor.port}`;
  return {
    name: "floor",
    pids: [pidOf(floor.child)],
    clients: (count) =>
      inBatches(count, async () => {
        const socket: Socket = io(url, { transports: ["websocket"], forceNew: true, reconnection: false });
        await new Promise<void>((resolve, reject) => {
          socket.once("connect", () => resolve());
          socket.once("connect_error", reject);
        });
        return {
          answer(record) {
            const id = randomUUID();
            const end = ending(timeoutMs);
            socket.on("started", (of: string) => of === id && record.started());
            socket.on("token", (of: string, delta: string) => of === id && record.received(delta));
            socket.on("done", (of: string) => of === id && end.done());
            record.requesting();
            socket.emit("start", id);
            return end.promise.finally(() => socket.removeAllListeners());
          },
          close: () => socket.disconnect(),
        };
      }),
    stop: floor.stop,
  };
}

export async function startPeer(gatewayUrl: string, timeoutMs: number): Promise<Target> {
  const peer = await startBenchProcess("peer.ts", ["--gateway", gatewayUrl], profileArgs());
  const url = `http://127.0.0.1:${peer.port}/chat`;
  return {
    name: "peer",
    pids: [pidOf(peer.child)],
    clients: async (count) =>
      Array.from({ length: count }, () => ({
        async answer(record: AnswerRecord) {
          record.requesting();
          const response = await fetch(url, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ id: randomUUID() }),
            signal: AbortSignal.timeout(timeoutMs),
          });
          await forEachSseData(response.body as AsyncIterable<Uint8Array>, (data) => {
            const chunk = JSON.parse(data) as { type: string; delta?: string };
            if (chunk.type === "start") record.started();
            else if (chunk.type === "text-delta" && chunk.delta) record.received(chunk.delta);
          });
        },
        close: () => {},
      })),
    stop: peer.stop,
  };
}

/** Follows one conversation on a socket: the start and every update of its answer, until it ends. */
function follow(socket: TestSocket, record: AnswerRecord, timeoutMs: number) {
  const end = ending(timeoutMs);
  socket.on("agent_processing_started", () => record.started());
  socket.on("agent_processing_update", (event) => record.received(event.delta));
  socket.on("agent_processing_complete", () => end.done());
  socket.on("agent_processing_error", (event) => end.fail(new Error(`answer failed: ${event.error.code}`)));
  return end.promise.finally(() => {
    for (const name of [
      "agent_processing_started",
      "agent_processing_update",
      "agent_processing_complete",
      "agent_processing_error",
    ] as const)
      socket.off(name);
  });
}

async function switchboardClient(url: string, timeoutMs: number): Promise<Client> {
  const { cookie } = await newSession(url);
  const socket = connect(url, cookie);
  await connected(socket);
  return {
    async answer(record) {
      const ended = follow(socket, record, timeoutMs);
      record.requesting();
      const ack = await request(socket, "send_message", { text: "Go.", clientMessageId: randomUUID() });
      if (!ack.ok) throw new Error(`send_message refused: ${ack.error.code}`);
      await ended;
    },
    close: () => socket.disconnect(),
  };
}

const benchAgent = [{ id: "bench", name: "Bench", systemPrompt: "Answer." }];

function switchboardEnv(gatewayUrl: string): Record<string, string> {
  return { LLM_BASE_URL: gatewayUrl, LLM_MODEL: "bench", AGENTS_FILE: writeAgentsFile(benchAgent) };
}

/** A CPU profile of each server under test, written when it stops, when the bench asks for one. */
function profileArgs(): string[] {
  const dir = process.env.BENCH_PROFILE_DIR;
  return dir ? ["--cpu-prof", `--cpu-prof-dir=${dir}`] : [];
}

/** The server's warn and error lines, counted by message with the first in full, so a failed answer says why. */
function reportErrors(name: string, servers: ServerProcess[]): void {
  const counts = new Map<string, { count: number; first: string }>();
  for (const entry of servers.flatMap((server) => server.logs)) {
    if (typeof entry !== "object" || Number(entry.level) < 40) continue;
    const key = String(entry.msg);
    const seen = counts.get(key) ?? { count: 0, first: JSON.stringify(entry).slice(0, 600) };
    seen.count += 1;
    counts.set(key, seen);
  }
  for (const [line, { count, first }] of counts)
    process.stderr.write(`${name} logged ${count} × ${line}, the first: ${first}\n`);
}

function switchboardTarget(
  name: string,
  servers: ServerProcess[],
  timeoutMs: number,
  stop: () => Promise<void>,
) {
  const [first] = servers;
  if (!first) throw new Error("no server");
  return {
    name,
    pids: servers.map((server) => pidOf(server.child)),
    clients: (count: number) => inBatches(count, () => switchboardClient(first.url, timeoutMs)),
    stop: async () => {
      reportErrors(name, servers);
      await stop();
    },
  };
}

export async function startSwitchboard(
  gatewayUrl: string,
  db: "pglite" | "postgres",
  timeoutMs: number,
): Promise<Target> {
  const database = db === "postgres" ? await createTestDatabase() : null;
  const server = await startServerProcess({
    env: { ...switchboardEnv(gatewayUrl), ...(database && { DATABASE_URL: database.url }) },
    nodeArgs: profileArgs(),
  });
  return switchboardTarget(`switchboard (${db})`, [server], timeoutMs, async () => {
    await server.stop();
    await database?.drop();
  });
}

/**
 * Two replicas over Redis (and Postgres): each answer is asked for on A and
 * watched from B, so every token crosses Redis before it is timed.
 */
export async function startSwitchboardReplicas(gatewayUrl: string, timeoutMs: number): Promise<Target> {
  const pair = await startReplicaPair(switchboardEnv(gatewayUrl), undefined, profileArgs());
  const target = switchboardTarget("switchboard (2 replicas)", [pair.a, pair.b], timeoutMs, pair.stop);
  return {
    ...target,
    clients: (count) =>
      inBatches(count, async () => {
        const { cookie } = await newSession(pair.a.url);
        const sender = connect(pair.a.url, cookie);
        const viewer = connect(pair.b.url, cookie);
        await Promise.all([connected(sender), connected(viewer)]);
        return {
          async answer(record) {
            const created = await fetch(`${pair.a.url}/api/conversations`, {
              method: "POST",
              headers: { cookie, origin: pair.a.url, "content-type": "application/json" },
              body: "{}",
            });
            if (created.status !== 201) throw new Error(`creating a conversation: HTTP ${created.status}`);
            const { id: conversationId } = (await created.json()) as { id: string };
            const joined = await request(viewer, "join_conversation", { conversationId });
            if (!joined.ok) throw new Error(`join_conversation refused: ${joined.error.code}`);
            const ended = follow(viewer, record, timeoutMs);
            record.requesting();
            const ack = await request(sender, "send_message", {
              conversationId,
              text: "Go.",
              clientMessageId: randomUUID(),
            });
            if (!ack.ok) throw new Error(`send_message refused: ${ack.error.code}`);
            await ended;
          },
          close: () => {
            sender.disconnect();
            viewer.disconnect();
          },
        };
      }),
  };
}
