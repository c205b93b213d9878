import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = new URL("../..", import.meta.url).pathname;

export type ServerProcess = {
  url: string;
  port: number;
  child: ChildProcess;
  /** Every line the process wrote to stdout and stderr, parsed when JSON. */
  logs: Array<Record<string, unknown> | string>;
  dataDir: string;
  /** Sends the signal and resolves with the exit code once the process has exited. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  exited: Promise<number | null>;
};

export type ServerProcessOptions = {
  env?: Record<string, string | undefined>;
  /** Reuse a data directory (to restart on the same embedded database). */
  dataDir?: string;
  timeoutMs?: number;
  /** Given to node before the script, e.g. `--cpu-prof` (which NODE_OPTIONS refuses). */
  nodeArgs?: string[];
};

const generousLimits = {
  RATE_LIMIT_MESSAGES_PER_MINUTE: "100000",
  MAX_ACTIVE_RUNS_PER_USER: "1000",
  RATE_LIMIT_SESSIONS_PER_MINUTE: "100000",
  RATE_LIMIT_UPLOADS_PER_MINUTE: "100000",
  RATE_LIMIT_SOCKET_EVENTS_PER_SECOND: "100000",
  MAX_SOCKETS_PER_USER: "10000",
  MAX_SOCKETS_PER_ADDRESS: "10000",
};

/**
 * Starts the real server.ts in production mode on a free port, as `npm start`
 * does after building, and resolves once it logs that it listens.
 */
export async function startServerProcess(options: ServerProcessOptions = {}): Promise<ServerProcess> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), "switchboard-test-"));
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), "--import", "tsx", "server.ts"], {
    cwd: root,
    env: {
      ...process.env,
      NODE_ENV: "production",
      PORT: "0",
      HOST: "127.0.0.1",
      DATA_DIR: dataDir,
      OLLAMA_BASE_URL: "http://127.0.0.1:9",
      LOG_LEVEL: "info",
      // Tests and benchmarks send fast from one identity; a test of the limits sets its own.
      ...generousLimits,
      ...options.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const logs: ServerProcess["logs"] = [];
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));

  const listening = new Promise<{ url: string; port: number }>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`server did not start in time; logs:\n${dump(logs)}`)),
      options.timeoutMs ?? 60_000,
    );
    const onLine = (line: string) => {
      const entry = parse(line);
      logs.push(entry);
      if (typeof entry === "object" && typeof entry.url === "string" && entry.msg === "listening") {
        clearTimeout(timer);
        resolve({ url: entry.url, port: Number(entry.port) });
      }
    };
    collectLines(child.stdout, onLine);
    collectLines(child.stderr, onLine);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before listening; logs:\n${dump(logs)}`));
    });
  });

  const { url, port } = await listening;
  return {
    url,
    port,
    child,
    logs,
    dataDir,
    exited,
    async stop(signal = "SIGTERM") {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const code = await exited;
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
      return code;
    },
  };
}

function collectLines(stream: NodeJS.ReadableStream | null, onLine: (line: string) => void) {
  let buffered = "";
  stream?.setEncoding("utf8");
  stream?.on("data", (chunk: string) => {
    buffered += chunk;
    let newline = buffered.indexOf("\n");
    while (newline >= 0) {
      const line = buffered.slice(0, newline).trim();
      buffered = buffered.slice(newline + 1);
      if (line) onLine(line);
      newline = buffered.indexOf("\n");
    }
  });
}

function parse(line: string): Record<string, unknown> | string {
  try {
    const value: unknown = JSON.parse(line);
    return value && typeof value === "object" ? (value as Record<string, unknown>) : line;
  } catch {
    return line;
  }
}

function dump(logs: ServerProcess["logs"]): string {
  return logs.map((entry) => (typeof entry === "string" ? entry : JSON.stringify(entry))).join("\n");
}
