import { createAdapter } from "@socket.io/redis-streams-adapter";
import { createClient } from "redis";
import { displayUrl } from "../llm/gateway";
import type { Logger } from "../logger";
import { RECOVERY_MAX_EVENTS } from "./recovery-adapter";
import { RecoveryGap, recoveryGaps } from "./recovery-gap";
import type { RealtimeServer } from "./types";

const CONNECT_TIMEOUT_MS = 5_000;

export type RedisAdapterOptions = {
  url: string;
  /** Namespaces the stream, the pub/sub channels and the session keys, so deployments sharing a Redis never meet. */
  keyPrefix: string;
  logger: Logger;
};

export type RedisClient = ReturnType<typeof createClient>;

export type RedisConnection = {
  /** For Socket.IO's `adapter` option. */
  adapter: ReturnType<typeof createAdapter>;
  /** The connected client, for others sharing this Redis (the limits); fails fast while Redis is away. */
  client: RedisClient;
  isReady(): boolean;
  close(): Promise<void>;
};

export class RedisUnavailableError extends Error {
  override readonly name = "RedisUnavailableError";
}

/**
 * Connects to Redis and builds the Socket.IO streams adapter on it. Start-up
 * fails when Redis does not answer; once connected, a lost connection is
 * logged and retried with backoff while the server keeps serving: its own
 * sockets still get every event, the other replicas' sockets miss what is
 * broadcast until Redis is back.
 */
export async function connectRedisAdapter(options: RedisAdapterOptions): Promise<RedisConnection> {
  const { logger } = options;
  const where = displayUrl(options.url);
  let everReady = false;
  let healthy = false;
  const client = createClient({
    url: options.url,
    // While Redis is away, broadcasts fail fast and still reach this replica's own sockets.
    disableOfflineQueue: true,
    socket: {
      connectTimeout: CONNECT_TIMEOUT_MS,
      // Before the first connection: give up, so start-up fails with one clear line.
      reconnectStrategy: (retries, cause) =>
        everReady ? Math.min(100 * 2 ** retries, 3_000) : new RedisUnavailableError(cause.message),
    },
  });
  client.on("error", (error: Error) => {
    if (!healthy) return;
    healthy = false;
    logger.warn({ redis: where, reason: error.message }, "redis connection lost");
  });
  client.on("ready", () => {
    if (everReady && !healthy) logger.info({ redis: where }, "redis reconnected");
    everReady = true;
    healthy = true;
  });
  try {
    await client.connect();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new RedisUnavailableError(`Cannot reach Redis at ${where} (REDIS_URL): ${reason || "no answer"}`, {
      cause: error,
    });
  }
  // The adapter reads the stream and subscribes through duplicates of the client. Those
  // queue their commands while offline, so its read loop waits for Redis rather than spinning.
  const duplicate = client.duplicate.bind(client);
  Object.assign(client, {
    duplicate: (overrides?: object) => duplicate({ disableOfflineQueue: false, ...overrides }),
  });
  const prefix = `${options.keyPrefix}:socket.io`;
  const createNamespaceAdapter = createAdapter(client, {
    streamName: prefix,
    channelPrefix: prefix,
    sessionKeyPrefix: `${options.keyPrefix}:sio-session:`,
    // Events kept in the stream for connection state recovery; older ones are trimmed (approximately).
    maxLen: RECOVERY_MAX_EVENTS,
  });
  // Socket.IO calls this with `new`, so it must be a function, not an arrow.
  const adapter: typeof createNamespaceAdapter = function namespaceAdapterFor(nsp) {
    const namespaceAdapter = createNamespaceAdapter(nsp);
    // Every broadcast this node delivers, its own and the other replicas', gets its stream offset here first.
    const gap = new RecoveryGap(nsp);
    recoveryGaps.set(namespaceAdapter, gap);
    const withOffset = Reflect.get(namespaceAdapter, "addOffsetIfNecessary") as (
      packet: { data: unknown[] },
      opts: { rooms: Set<string>; except?: Set<string> },
      offset: string,
    ) => void;
    Reflect.set(
      namespaceAdapter,
      "addOffsetIfNecessary",
      function addOffset(
        this: unknown,
        packet: { data: unknown[] },
        opts: { rooms: Set<string>; except?: Set<string> },
        offset: string,
      ) {
        withOffset.call(this, packet, opts, offset);
        gap.capture(packet.data, offset, opts);
      },
    );
    const persist = namespaceAdapter.persistSession.bind(namespaceAdapter);
    // The adapter does not wait for this write, so while Redis is away it would fail
    // unobserved. Without Redis a session cannot be kept: the client joins again instead.
    namespaceAdapter.persistSession = (session) => {
      if (client.isReady) persist(session);
      else logger.debug({ redis: where }, "session not kept while Redis is unreachable");
    };
    return namespaceAdapter;
  };
  return {
    adapter,
    client,
    isReady: () => client.isReady,
    close: async () => {
      await client.close().catch(() => client.destroy());
    },
  };
}

/**
 * Resolves once this process's adapter has subscribed to the replicas' channel
 * (Redis counts it among the subscribers): before that, questions to the other
 * replicas would expect one answer too few and their answers would be lost.
 */
export async function joinedReplicas(io: RealtimeServer, timeoutMs = CONNECT_TIMEOUT_MS): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const count = await io.of("/").adapter.serverCount();
    if (count >= 1) return count;
    if (Date.now() > deadline)
      throw new RedisUnavailableError("Redis did not confirm the subscription in time");
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
