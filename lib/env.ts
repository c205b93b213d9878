import { z } from "zod";

const url = (protocols: readonly string[]) =>
  z
    .string()
    .trim()
    .refine(
      (value) => {
        try {
          return protocols.includes(new URL(value).protocol);
        } catch {
          return false;
        }
      },
      `must be a URL starting with ${protocols.map((p) => `${p}//`).join(" or ")}`,
    );

const positiveInt = (fallback: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, "must be a whole number")
    .transform(Number)
    .optional()
    .transform((value) => value ?? fallback);

/** A limit: zero would refuse everything, so at least one. */
const atLeastOne = (fallback: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, "must be a whole number")
    .transform(Number)
    .refine((value) => value >= 1, "must be at least 1")
    .optional()
    .transform((value) => value ?? fallback);

/** A name that goes into Redis keys and log lines as it is. */
const identifier = z
  .string()
  .trim()
  .regex(/^[\w:.-]{1,100}$/, "must be 1 to 100 letters, digits or the characters _ : . -");

/** A duration that must be at least `min` (a zero interval would spin). */
const durationMs = (fallback: number, min: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, "must be a whole number of milliseconds")
    .transform(Number)
    .refine((value) => value >= min, `must be at least ${min}`)
    .optional()
    .transform((value) => value ?? fallback);

const MAX_ATTACHMENT_BYTES = 256 * 1024 * 1024;

const emptyAsUndefined = (value: unknown) => (value === "" ? undefined : value);

export const envSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  PORT: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .trim()
      .regex(/^\d+$/, "must be a port number")
      .transform(Number)
      .refine((port) => port <= 65535, "must be a port number")
      .default(3000),
  ),
  HOST: z.preprocess(emptyAsUndefined, z.string().trim().min(1).default("0.0.0.0")),
  LLM_BASE_URL: z.preprocess(emptyAsUndefined, url(["http:", "https:"]).optional()),
  LLM_API_KEY: z.preprocess(emptyAsUndefined, z.string().optional()),
  LLM_MODEL: z.preprocess(emptyAsUndefined, z.string().trim().min(1).optional()),
  LLM_FIRST_TOKEN_TIMEOUT_MS: z.preprocess(emptyAsUndefined, positiveInt(120_000)),
  LLM_CHUNK_TIMEOUT_MS: z.preprocess(emptyAsUndefined, positiveInt(30_000)),
  LLM_MAX_RETRIES: z.preprocess(emptyAsUndefined, positiveInt(3)),
  LLM_STREAMING: z.preprocess(emptyAsUndefined, z.enum(["auto", "true", "false"]).default("auto")),
  OLLAMA_BASE_URL: z.preprocess(emptyAsUndefined, url(["http:", "https:"]).default("http://localhost:11434")),
  STREAM_COALESCE_MS: z.preprocess(emptyAsUndefined, positiveInt(0)),
  DATABASE_URL: z.preprocess(emptyAsUndefined, url(["postgres:", "postgresql:"]).optional()),
  DATABASE_POOL_SIZE: z.preprocess(emptyAsUndefined, atLeastOne(20)),
  DATA_DIR: z.preprocess(emptyAsUndefined, z.string().trim().min(1).default("./.data")),
  REDIS_URL: z.preprocess(emptyAsUndefined, url(["redis:", "rediss:"]).optional()),
  REDIS_KEY_PREFIX: z.preprocess(emptyAsUndefined, identifier.default("switchboard")),
  NODE_ID: z.preprocess(emptyAsUndefined, identifier.optional()),
  SESSION_SECRET: z.preprocess(
    emptyAsUndefined,
    z.string().min(32, "must be at least 32 characters").optional(),
  ),
  AGENTS_FILE: z.preprocess(emptyAsUndefined, z.string().trim().min(1).optional()),
  MCP_SERVERS: z.preprocess(emptyAsUndefined, z.string().trim().min(1).optional()),
  LOG_LEVEL: z.preprocess(
    emptyAsUndefined,
    z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  ),
  SHUTDOWN_GRACE_MS: z.preprocess(emptyAsUndefined, positiveInt(10_000)),
  RUN_CHECKPOINT_MS: z.preprocess(emptyAsUndefined, durationMs(1_000, 50)),
  RUN_HEARTBEAT_MS: z.preprocess(emptyAsUndefined, durationMs(5_000, 100)),
  RUN_STALE_AFTER_MS: z.preprocess(emptyAsUndefined, durationMs(30_000, 200)),
  PUBLIC_URL: z.preprocess(emptyAsUndefined, url(["http:", "https:"]).optional()),
  TRUST_PROXY: z.preprocess(emptyAsUndefined, positiveInt(0)),
  AUTH_PROXY_HEADER: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9-]{1,100}$/, "must be an HTTP header name")
      .transform((name) => name.toLowerCase())
      .optional(),
  ),
  RATE_LIMIT_MESSAGES_PER_MINUTE: z.preprocess(emptyAsUndefined, atLeastOne(30)),
  MAX_ACTIVE_RUNS_PER_USER: z.preprocess(emptyAsUndefined, atLeastOne(6)),
  RATE_LIMIT_SESSIONS_PER_MINUTE: z.preprocess(emptyAsUndefined, atLeastOne(120)),
  MAX_SOCKETS_PER_USER: z.preprocess(emptyAsUndefined, atLeastOne(32)),
  // Stored in the database as bytea and held whole while it is sent upstream: a bound well below PostgreSQL's 1 GB.
  ATTACHMENT_MAX_BYTES: z.preprocess(
    emptyAsUndefined,
    atLeastOne(10_485_760).refine(
      (bytes) => bytes <= MAX_ATTACHMENT_BYTES,
      `must be at most ${MAX_ATTACHMENT_BYTES}`,
    ),
  ),
  RATE_LIMIT_UPLOADS_PER_MINUTE: z.preprocess(emptyAsUndefined, atLeastOne(60)),
  TOOL_TIMEOUT_MS: z.preprocess(emptyAsUndefined, durationMs(30_000, 100)),
  TOOL_APPROVAL_TIMEOUT_MS: z.preprocess(emptyAsUndefined, durationMs(600_000, 100)),
  // 0 turns ask_agent off; each level deeper can multiply the model calls of one message.
  AGENT_MAX_DEPTH: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .trim()
      .regex(/^\d+$/, "must be a whole number")
      .transform(Number)
      .refine((value) => value <= 5, "must be at most 5")
      .optional()
      .transform((value) => value ?? 2),
  ),
  RATE_LIMIT_SOCKET_EVENTS_PER_SECOND: z.preprocess(emptyAsUndefined, atLeastOne(20)),
  MAX_SOCKETS_PER_ADDRESS: z.preprocess(emptyAsUndefined, atLeastOne(2000)),
  METRICS_PORT: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .trim()
      .regex(/^\d+$/, "must be a port number")
      .transform(Number)
      .refine((port) => port <= 65535, "must be a port number")
      .optional(),
  ),
  METRICS_TOKEN: z.preprocess(
    emptyAsUndefined,
    z.string().min(16, "must be at least 16 characters").optional(),
  ),
});

export type Env = z.infer<typeof envSchema>;

export class EnvError extends Error {
  override readonly name = "EnvError";
  constructor(
    readonly variable: string,
    readonly reason: string,
  ) {
    super(`Invalid environment variable ${variable}: ${reason}`);
  }
}

/** Parses the environment; throws an EnvError naming the first bad variable. */
export function parseEnv(source: Record<string, string | undefined>): Env {
  const result = envSchema.safeParse(source);
  if (result.success) {
    // A node is declared dead only after missing several heartbeats, never between two of them.
    if (result.data.RUN_STALE_AFTER_MS < 2 * result.data.RUN_HEARTBEAT_MS) {
      throw new EnvError("RUN_STALE_AFTER_MS", "must be at least twice RUN_HEARTBEAT_MS");
    }
    return result.data;
  }
  const issue = result.error.issues[0];
  throw new EnvError(String(issue?.path[0] ?? "environment"), issue?.message ?? "invalid");
}

/** The configured values that must never be logged: keys, secrets and the passwords inside URLs. */
export function secretValues(env: Env): string[] {
  const password = (url: string | undefined) => {
    if (!url) return undefined;
    try {
      return decodeURIComponent(new URL(url).password) || undefined;
    } catch {
      return undefined;
    }
  };
  return [
    env.LLM_API_KEY,
    env.SESSION_SECRET,
    env.METRICS_TOKEN,
    password(env.DATABASE_URL),
    password(env.REDIS_URL),
    password(env.LLM_BASE_URL),
  ].filter((value): value is string => value !== undefined);
}
