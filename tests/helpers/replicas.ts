import { randomBytes } from "node:crypto";
import { createTestDatabase } from "./postgres";
import { createTestRedisPrefix } from "./redis";
import { type ServerProcess, startServerProcess } from "./server-process";

export type ReplicaPair = {
  a: ServerProcess;
  b: ServerProcess;
  /** The replicas' Redis key prefix, to look at what they keep there. */
  redis: Awaited<ReturnType<typeof createTestRedisPrefix>>;
  stop(): Promise<void>;
};

/**
 * Two real server processes sharing one PostgreSQL database of their own, one
 * Redis under a key prefix of their own and one session secret, as replicas
 * behind a load balancer do. `stop` ends both and removes their data.
 */
export async function startReplicaPair(
  env: Record<string, string>,
  names: [string, string] = ["replica-a", "replica-b"],
  nodeArgs: string[] = [],
): Promise<ReplicaPair> {
  const redis = await createTestRedisPrefix();
  const database = await createTestDatabase();
  const shared = {
    DATABASE_URL: database.url,
    REDIS_URL: redis.url,
    REDIS_KEY_PREFIX: redis.prefix,
    SESSION_SECRET: randomBytes(32).toString("base64url"),
    ...env,
  };
  const [a, b] = await Promise.all(
    names.map((NODE_ID) => startServerProcess({ env: { ...shared, NODE_ID }, nodeArgs })),
  );
  if (!a || !b) throw new Error("two replicas were asked for");
  return {
    a,
    b,
    redis,
    async stop() {
      await Promise.all([a.stop(), b.stop()]);
      await database.drop();
      await redis.cleanUp();
    },
  };
}
