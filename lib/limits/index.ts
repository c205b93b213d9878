import {
  type RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
} from "rate-limiter-flexible";
import type { Env } from "../env";
import { AppError } from "../errors";
import type { RedisClient } from "../realtime/redis-adapter";

/** How long one identity waits when too many of its answers are running: a hint, the database decides. */
export const ACTIVE_RUNS_RETRY_MS = 5_000;

/** Limits per person. Each `take…` throws the `rate_limited` AppError, with the time to wait, when over. */
export type Limits = {
  /** One message sent by this identity (RATE_LIMIT_MESSAGES_PER_MINUTE, shared by every replica). */
  takeMessage(userId: string): Promise<void>;
  /** Gives back what takeMessage took: the message was a retry of one already stored. */
  returnMessage(userId: string): Promise<void>;
  /** One file uploaded by this identity (RATE_LIMIT_UPLOADS_PER_MINUTE, shared by every replica). */
  takeUpload(userId: string): Promise<void>;
  /** One new guest identity handed to this address (RATE_LIMIT_SESSIONS_PER_MINUTE, shared by every replica). */
  takeSession(address: string): Promise<void>;
  /** Answers one identity may have running at once; the database counts them when a message is stored. */
  maxActiveRunsPerUser: number;
  /**
   * One event received on this connection (RATE_LIMIT_SOCKET_EVENTS_PER_SECOND,
   * with a burst of five seconds' worth): a connection's own budget, kept where it lives.
   */
  takeSocketEvent(socketId: string): Promise<void>;
};

export type LimitsEnv = Pick<
  Env,
  | "RATE_LIMIT_MESSAGES_PER_MINUTE"
  | "RATE_LIMIT_SESSIONS_PER_MINUTE"
  | "RATE_LIMIT_UPLOADS_PER_MINUTE"
  | "MAX_ACTIVE_RUNS_PER_USER"
  | "RATE_LIMIT_SOCKET_EVENTS_PER_SECOND"
  | "REDIS_KEY_PREFIX"
>;

const WINDOW_SECONDS = 60;
const SOCKET_BURST_SECONDS = 5;

/**
 * With a Redis client (node-redis v5) the budgets live in Redis, so every
 * replica draws from the same one; while Redis is unreachable each replica
 * falls back to a budget of its own in memory rather than refusing or
 * letting everything through. Without Redis: in memory, one node.
 */
export function createLimits(input: { env: LimitsEnv; redis?: RedisClient }): Limits {
  const { env, redis } = input;
  const perMinute = (name: string, points: number): RateLimiterAbstract => {
    const memory = new RateLimiterMemory({ keyPrefix: name, points, duration: WINDOW_SECONDS });
    if (!redis) return memory;
    return new RateLimiterRedis({
      storeClient: redis,
      useRedisPackage: true,
      // The shared client queues nothing while offline: fail over to memory at once.
      rejectIfRedisNotReady: true,
      keyPrefix: `${env.REDIS_KEY_PREFIX}:limit:${name}`,
      points,
      duration: WINDOW_SECONDS,
      insuranceLimiter: memory,
    });
  };
  const messages = perMinute("messages", env.RATE_LIMIT_MESSAGES_PER_MINUTE);
  const sessions = perMinute("sessions", env.RATE_LIMIT_SESSIONS_PER_MINUTE);
  const uploads = perMinute("uploads", env.RATE_LIMIT_UPLOADS_PER_MINUTE);
  const socketEvents = new RateLimiterMemory({
    keyPrefix: "socket-events",
    points: env.RATE_LIMIT_SOCKET_EVENTS_PER_SECOND * SOCKET_BURST_SECONDS,
    duration: SOCKET_BURST_SECONDS,
  });
  return {
    takeMessage: (userId) => take(messages, userId, "You're sending messages too fast."),
    returnMessage: async (userId) => {
      await messages.reward(userId, 1).catch(() => {});
    },
    takeUpload: (userId) => take(uploads, userId, "You're uploading files too fast."),
    takeSocketEvent: (socketId) => take(socketEvents, socketId, "Too many requests on this connection."),
    takeSession: (address) => take(sessions, address, "Too many new sessions from your network."),
    maxActiveRunsPerUser: env.MAX_ACTIVE_RUNS_PER_USER,
  };
}

async function take(limiter: RateLimiterAbstract, key: string, message: string): Promise<void> {
  try {
    await limiter.consume(key);
  } catch (rejection) {
    if (!(rejection instanceof RateLimiterRes)) throw rejection;
    // At least a millisecond: a refusal always tells the client to wait.
    throw new AppError("rate_limited", message, { retryInMs: Math.max(1, rejection.msBeforeNext) });
  }
}

/** The refusal when too many of one identity's answers are already running. */
export function tooManyActiveRuns(limit: number): AppError {
  return new AppError("rate_limited", `Too many of your answers are running at once (at most ${limit}).`, {
    retryInMs: ACTIVE_RUNS_RETRY_MS,
  });
}
