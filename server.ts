import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import next from "next";
import { BaseAgent } from "./lib/agents/base-agent";
import { AnswerLengthModel } from "./lib/agents/progress";
import { loadRoster, Roster, RosterError } from "./lib/agents/roster";
import { RunManager } from "./lib/agents/run-manager";
import { loadSessionSecret } from "./lib/auth/secret";
import { createChatService } from "./lib/chat/service";
import { openDatabase } from "./lib/db/client";
import { createStore } from "./lib/db/queries";
import { type Env, EnvError, parseEnv } from "./lib/env";
import { createRequestListener } from "./lib/http/request-listener";
import { resolveLlmClient } from "./lib/llm";
import { createLogger } from "./lib/logger";
import { broadcastMessageCreated, createRunBroadcaster } from "./lib/realtime/broadcast";
import { createRealtimeServer, registerRealtimeHandlers } from "./lib/realtime/server";
import { setServices } from "./lib/services";

function loadConfig(): { env: Env; roster: Roster } {
  try {
    const env = parseEnv(process.env);
    return { env, roster: new Roster(loadRoster(env.AGENTS_FILE)) };
  } catch (error) {
    if (error instanceof EnvError) fail(error.message);
    if (error instanceof RosterError) fail(`Invalid agent roster (AGENTS_FILE): ${error.message}`);
    throw error;
  }
}

function fail(line: string): never {
  process.stderr.write(`${line}\n`);
  process.exit(1);
}

async function main(): Promise<void> {
  const { env, roster } = loadConfig();
  const logger = createLogger({ level: env.LOG_LEVEL });
  if (env.REDIS_URL) logger.warn("REDIS_URL is set, but this version runs as a single node and ignores it");
  const dev = env.NODE_ENV !== "production";

  const database = await openDatabase({
    databaseUrl: env.DATABASE_URL,
    dataDir: env.DATA_DIR,
    onError: (error) => logger.error({ err: error }, "database connection error"),
  });
  const store = createStore(database.db);
  const interrupted = await store.markUnfinishedRunsInterrupted();
  logger.info({ database: database.kind, interrupted }, "database ready");

  const llm = await resolveLlmClient(env, logger);
  const sessionSecret = loadSessionSecret({ configured: env.SESSION_SECRET, dataDir: env.DATA_DIR });

  const app = next({ dev, dir: import.meta.dirname, hostname: env.HOST, port: env.PORT });
  await app.prepare();

  // The request listener must exist before Socket.IO attaches: engine.io takes
  // over /socket.io and hands every other request to the listeners present then.
  const httpServer = createServer(
    createRequestListener({
      handle: app.getRequestHandler(),
      sessionSecret,
      onError: (error) => logger.error({ err: error }, "request failed"),
    }),
  );
  const io = createRealtimeServer(httpServer, { sessionSecret });
  const lengths = new AnswerLengthModel();
  const agents = new Map(
    roster.agents.map((profile) => [profile.id, new BaseAgent(profile, { llm, store, lengths, logger })]),
  );
  const runs = new RunManager({
    agents,
    events: createRunBroadcaster(io),
    lengths,
    coalesceMs: env.STREAM_COALESCE_MS,
    logger,
    listMessages: (input) => store.listMessagesByConversationId(input),
  });
  let accepting = true;
  const chat = createChatService({
    store,
    roster,
    runs,
    announceMessage: (event) => broadcastMessageCreated(io, event),
    isAccepting: () => accepting,
  });
  registerRealtimeHandlers(io, { chat, logger });
  setServices({
    env,
    logger,
    llm,
    chat,
    sessionSecret,
    isAccepting: () => accepting,
    checkDatabase: () => database.ping(),
  });

  await new Promise<void>((resolve) => httpServer.listen(env.PORT, env.HOST, resolve));
  const { port } = httpServer.address() as AddressInfo;
  const host = env.HOST === "0.0.0.0" || env.HOST === "::" ? "localhost" : env.HOST;
  logger.info({ url: `http://${host}:${port}`, port, mode: dev ? "development" : "production" }, "listening");
  // Warm the default model so the first run announces itself without waiting on a model list.
  void llm.defaultModel().catch((error: unknown) => logger.warn({ err: error }, "no default model yet"));

  const shutdown = async (signal: NodeJS.Signals) => {
    if (!accepting) return;
    accepting = false;
    logger.info({ signal, activeRuns: runs.activeCount }, "draining");
    httpServer.close();
    await runs.drain(env.SHUTDOWN_GRACE_MS);
    await io.close().catch(() => {});
    await database.close();
    logger.info("stopped");
    process.exit(0);
  };
  for (const signal of ["SIGTERM", "SIGINT"] as const) process.on(signal, () => void shutdown(signal));
  process.on("unhandledRejection", (reason) => logger.error({ err: reason }, "unhandled rejection"));
}

main().catch((error: unknown) => {
  createLogger().fatal({ err: error }, "start-up failed");
  process.exit(1);
});
