import { randomBytes } from "node:crypto";
import { createClient } from "redis";

export const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

const HOW_TO_START =
  'start it with `redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no` ' +
  "(apt-get install redis-server), or set TEST_REDIS_URL";

/**
 * A key prefix of its own on the real Redis for one test file (REDIS_KEY_PREFIX
 * for its servers), whose keys are deleted afterwards. Fails loudly when no Redis answers.
 */
export async function createTestRedisPrefix(): Promise<{
  url: string;
  prefix: string;
  keys(): Promise<string[]>;
  cleanUp(): Promise<void>;
}> {
  const prefix = `switchboard-test-${randomBytes(6).toString("hex")}`;
  const client = createClient({
    url: REDIS_URL,
    socket: { connectTimeout: 3_000, reconnectStrategy: false },
  });
  client.on("error", () => {});
  try {
    await client.connect();
  } catch (error) {
    throw new Error(`Redis is not reachable at ${REDIS_URL}; ${HOW_TO_START}`, { cause: error });
  }
  const keys = async () => {
    const found: string[] = [];
    for await (const batch of client.scanIterator({ MATCH: `${prefix}:*`, COUNT: 100 })) found.push(...batch);
    return found;
  };
  return {
    url: REDIS_URL,
    prefix,
    keys,
    async cleanUp() {
      const found = await keys();
      if (found.length > 0) await client.del(found);
      client.destroy();
    },
  };
}
