import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import next from "next";
import { BaseAgent } from "./lib/agents/base-agent";
import { ANSWER_HISTORY_SIZE, AnswerHistory, streamMs } from "./lib/agents/progress";
import { loadRoster, Roster, RosterError } from "./lib/agents/roster";
import type { Run } from "./lib/agents/run";
import { RunJournal } from "./lib/agents/run-journal";
import { RunManager } from "./lib/agents/run-manager";
import type { Consult } from "./lib/agents/tools/ask-agent";
import { unofferedMcpGrants } from "./lib/agents/tools/registry";
import { extractPdfText } from "./lib/attachments/pdf-text";
import { createAttachmentService } from "./lib/attachments/service";
import { loadSessionSecret } from "./lib/auth/secret";
import { createChatService } from "./lib/chat/service";
import { batchedRunStore } from "./lib/db/batched";
import { openDatabase } from "./lib/db/client";
import { createStore } from "./lib/db/queries";
import { type Env, EnvError, parseEnv, secretValues } from "./lib/env";
import { createMetricsListener, createRequestListener } from "./lib/http/request-listener";
import { refuseStrayUpgrades } from "./lib/http/upgrades";
import { createLimits } from "./lib/limits";
import { resolveLlmClient } from "./lib/llm";
import { McpManager } from "./lib/llm/mcp";
import { loadMcpConfig, McpConfigError, type McpServersConfig, mcpSecretValues } from "./lib/llm/mcp-config";
import { createLogger, type Logger } from "./lib/logger";
import { createMetrics } from "./lib/metrics";
import { createNodeId } from "./lib/node-id";
import {
  broadcastAnswerCreated,
  broadcastBranchSwitched,
  broadcastMessageCreated,
  broadcastMessageRemoved,
  createRunBroadcaster,
  revokeConversationAccess,
} from "./lib/realtime/broadcast";
import { connectRedisAdapter, joinedReplicas, RedisUnavailableError } from "./lib/realtime/redis-adapter";
import { clusterRunDirectory, localRunDirectory } from "./lib/realtime/run-directory";
import { createRealtimeServer, registerRealtimeHandlers } from "./lib/realtime/server";
import { setServices } from "./lib/services";

function loadConfig(): { env: Env; roster: Roster; mcpServers: McpServersConfig } {
  try {
    const env = parseEnv(process.env);
    const mcpServers = loadMcpConfig(env.MCP_SERVERS);
    const roster = new Roster(loadRoster(env.AGENTS_FILE, { mcpServers: Object.keys(mcpServers) }));
    return { env, roster, mcpServers };
  } catch (error) {
    if (error instanceof EnvError) fail(error.message);
    if (error instanceof McpConfigError) fail(`Invalid MCP servers (MCP_SERVERS): ${error.message}`);
    if (error instanceof RosterError) fail(`Invalid agent roster (AGENTS_FILE): ${error.message}`);
    throw error;
  }
}

function fail(line: string): never {
  process.stderr.write(`${line}\n`);
  process.exit(1);
}

/** With REDIS_URL: the Socket.IO adapter shared by the replicas. Redis not answering at start stops start-up. */
async function connectRedis(env: Env, logger: Logger) {
  if (!env.REDIS_URL) return undefined;
  try {
    const redis = await connectRedisAdapter({ url: env.REDIS_URL, keyPrefix: env.REDIS_KEY_PREFIX, logger });
    logger.info({ keyPrefix: env.REDIS_KEY_PREFIX }, "redis ready: replicas share rooms and runs");
    return redis;
  } catch (error) {
    if (error instanceof RedisUnavailableError) fail(error.message);
    throw error;
  }
}

/** METRICS_PORT: the Prometheus exposition on a port of its own, which no Ingress routes to. */
async function listenForMetrics(
  env: Env,
  endpoint: Parameters<typeof createMetricsListener>[0],
  logger: Logger,
): Promise<Server> {
  const server = createServer(
    createMetricsListener(endpoint, (error) => logger.error({ err: error }, "metrics failed")),
  );
  await new Promise<void>((resolve) => server.listen(env.METRICS_PORT, env.HOST, resolve));
  logger.info({ port: (server.address() as AddressInfo).port }, "metrics listening");
  return server;
}

async function main(): Promise<void> {
  const { env, roster, mcpServers } = loadConfig();
  const node = createNodeId(env.NODE_ID);
  const secrets = [...secretValues(env), ...mcpSecretValues(mcpServers)];
  const logger = createLogger({ level: env.LOG_LEVEL, node, secrets });
  const dev = env.NODE_ENV !== "production";
  const redis = await connectRedis(env, logger);
  // Budgets per identity and per address, shared by the replicas through Redis when there is one.
  const limits = createLimits({ env, redis: redis?.client });
  const metrics = createMetrics();

  const database = await openDatabase({
    databaseUrl: env.DATABASE_URL,
    poolSize: env.DATABASE_POOL_SIZE,
    dataDir: env.DATA_DIR,
    onError: (error) => logger.error({ err: error }, "database connection error"),
  });
  const store = createStore(database.db);
  logger.info({ database: database.kind }, "database ready");

  const llm = await resolveLlmClient(env, logger);
  // Each server bounded by a timeout; one that does not start is unavailable, never fatal.
  const mcp = new McpManager(mcpServers, { logger });
  await mcp.start();
  for (const { agentId, grant } of unofferedMcpGrants(roster.agents, (server) => mcp.offeredTools(server)))
    logger.warn({ agentId, grant }, "mcp tool not offered by its server");
  const sessionSecret = loadSessionSecret({ configured: env.SESSION_SECRET, dataDir: env.DATA_DIR });
  const identity = { sessionSecret, proxyHeader: env.AUTH_PROXY_HEADER };

  const app = next({ dev, dir: import.meta.dirname, hostname: env.HOST, port: env.PORT });
  await app.prepare();

  // The request listener must exist before Socket.IO attaches: engine.io takes
  // over /socket.io and hands every other request to the listeners present then.
  const metricsEndpoint = { render: () => metrics.render(), token: env.METRICS_TOKEN };
  const httpServer = createServer(
    createRequestListener({
      handle: app.getRequestHandler(),
      identity,
      dev,
      publicUrl: env.PUBLIC_URL,
      attachmentMaxBytes: env.ATTACHMENT_MAX_BYTES,
      trustProxy: env.TRUST_PROXY,
      takeSession: (address) => limits.takeSession(address),
      metrics: env.METRICS_PORT === undefined ? metricsEndpoint : undefined,
      onError: (error) => logger.error({ err: error }, "request failed"),
    }),
  );
  // Socket.IO takes its own upgrades, and Next its hot reload's in development; nothing else may hold one open.
  refuseStrayUpgrades(
    httpServer,
    (path) => path.startsWith("/socket.io/") || (dev && path.startsWith("/_next/")),
  );
  const io = createRealtimeServer(httpServer, {
    identity,
    publicUrl: env.PUBLIC_URL,
    adapter: redis?.adapter,
    sockets: {
      maxPerUser: env.MAX_SOCKETS_PER_USER,
      maxPerAddress: env.MAX_SOCKETS_PER_ADDRESS,
      trustProxy: env.TRUST_PROXY,
    },
  });
  const history = new AnswerHistory();
  const recent = await store.listRecentAnswersPerAgent({ perAgent: ANSWER_HISTORY_SIZE });
  history.seed(
    recent.map(({ agentId, length, ...timing }) => ({ agentId, length, streamMs: streamMs(timing) })),
  );
  const runStore = batchedRunStore(store, node);
  const agentDeps = {
    llm,
    store: runStore,
    history,
    logger,
    observer: metrics,
    toolServices: {
      searchMessages: (input: Parameters<typeof store.searchMessagesByOwnerId>[0]) =>
        store.searchMessagesByOwnerId(input),
      ownerOf: async (id: string) => (await store.getConversationById({ id }))?.ownerId ?? null,
    },
    toolTimeoutMs: env.TOOL_TIMEOUT_MS,
    approvalTimeoutMs: env.TOOL_APPROVAL_TIMEOUT_MS,
    colleagues: roster.agents.map(({ id, name, description }) => ({ id, name, description })),
    maxDepth: env.AGENT_MAX_DEPTH,
    consult: (parent: Run, input: Parameters<Consult>[0]) => runs.consult(parent, input),
    mcp,
  };
  const agents = new Map(roster.agents.map((profile) => [profile.id, new BaseAgent(profile, agentDeps)]));
  const runEvents = createRunBroadcaster(io);
  const runs = new RunManager({
    agents,
    events: runEvents,
    history,
    coalesceMs: env.STREAM_COALESCE_MS,
    logger,
    listMessages: runStore.listMessagesByConversationId,
    storeNestedRun: async (row) => {
      await store.createNestedRun({ ...row, role: "assistant", status: "queued", ownerNode: node });
    },
    // Several replicas share the database's turns: a message waits for the answers before it, wherever they run.
    ...(redis && {
      turnTakenElsewhere: (run: Run) => store.runsAheadElsewhere({ messageId: run.messageId, nodeId: node }),
    }),
  });
  // Answers the other replicas from the moment Redis counts this one (its subscription comes later).
  const directory = redis
    ? clusterRunDirectory(io, runs, {
        logger,
        isConnected: redis.isReady,
        runsElsewhere: runStore.runsElsewhere,
      })
    : localRunDirectory(runs);
  const journal = new RunJournal({
    nodeId: node,
    singleNode: !env.REDIS_URL,
    store,
    events: runEvents,
    activeRuns: () => runs.active(),
    checkpointMs: env.RUN_CHECKPOINT_MS,
    heartbeatMs: env.RUN_HEARTBEAT_MS,
    staleAfterMs: env.RUN_STALE_AFTER_MS,
    logger,
  });
  // Before this node takes a run: what it left unfinished in its previous life is interrupted.
  const interrupted = await journal.recoverOwn();
  logger.info({ nodeId: node, interrupted: interrupted.length }, "unfinished runs recovered");
  journal.start();
  let accepting = true;
  const chat = createChatService({
    store,
    roster,
    runs,
    directory,
    announceMessage: (event) => broadcastMessageCreated(io, event),
    announceAnswer: (event) => broadcastAnswerCreated(io, event),
    announceBranch: (event) => broadcastBranchSwitched(io, event),
    announceRemoved: (event) => broadcastMessageRemoved(io, event),
    revokeAccess: (event) => revokeConversationAccess(io, event),
    isAccepting: () => accepting,
    nodeId: node,
    limits,
  });
  registerRealtimeHandlers(io, { chat, logger, metrics, takeEvent: (id) => limits.takeSocketEvent(id) });
  setServices({
    env,
    logger,
    llm,
    chat,
    attachments: createAttachmentService({
      store,
      limits,
      maxBytes: env.ATTACHMENT_MAX_BYTES,
      extractPdfText,
    }),
    identity,
    isAccepting: () => accepting,
    checkDatabase: () => database.ping(),
    redisReady: () => redis?.isReady(),
    mcpStatus: () => mcp.status(),
  });

  if (redis) logger.info({ replicas: await joinedReplicas(io) }, "joined the replicas");
  await new Promise<void>((resolve) => httpServer.listen(env.PORT, env.HOST, resolve));
  const { port } = httpServer.address() as AddressInfo;
  const metricsServer =
    env.METRICS_PORT === undefined ? undefined : await listenForMetrics(env, metricsEndpoint, logger);
  const host = env.HOST === "0.0.0.0" || env.HOST === "::" ? "localhost" : env.HOST;
  logger.info({ url: `http://${host}:${port}`, port, mode: dev ? "development" : "production" }, "listening");
  // Warm the default model so the first run announces itself without waiting on a model list.
  void llm.defaultModel().catch((error: unknown) => logger.warn({ err: error }, "no default model yet"));
  llm.lastKnownHealth();

  const shutdown = async (signal: NodeJS.Signals) => {
    if (!accepting) return;
    accepting = false;
    logger.info({ signal, activeRuns: runs.activeCount }, "draining");
    // Still listening while runs finish: /api/ready answers 503, so the load balancer moves on.
    await runs.drain(env.SHUTDOWN_GRACE_MS);
    await journal.stop();
    await mcp.close();
    await io.close().catch(() => {});
    metricsServer?.close();
    await redis?.close();
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
