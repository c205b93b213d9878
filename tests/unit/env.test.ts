import { describe, expect, it } from "vitest";
import { EnvError, parseEnv } from "@/lib/env";

describe("parseEnv", () => {
  it("gives the documented defaults for an empty environment", () => {
    const env = parseEnv({});
    expect(env).toMatchObject({
      PORT: 3000,
      HOST: "0.0.0.0",
      LLM_FIRST_TOKEN_TIMEOUT_MS: 120_000,
      LLM_CHUNK_TIMEOUT_MS: 30_000,
      LLM_MAX_RETRIES: 3,
      LLM_STREAMING: "auto",
      OLLAMA_BASE_URL: "http://localhost:11434",
      STREAM_COALESCE_MS: 0,
      DATA_DIR: "./.data",
      REDIS_KEY_PREFIX: "switchboard",
      RUN_CHECKPOINT_MS: 1_000,
      RUN_HEARTBEAT_MS: 5_000,
      RUN_STALE_AFTER_MS: 30_000,
      DATABASE_POOL_SIZE: 20,
    });
    expect(env.LLM_BASE_URL).toBeUndefined();
    expect(env.DATABASE_URL).toBeUndefined();
  });

  it.each([
    ["LLM_BASE_URL", "not a url"],
    ["LLM_STREAMING", "sometimes"],
    ["PORT", "eighty"],
    ["PORT", "70000"],
    ["DATABASE_URL", "mysql://localhost/db"],
    ["DATABASE_POOL_SIZE", "0"],
    ["REDIS_URL", "http://localhost:6379"],
    ["REDIS_KEY_PREFIX", "two words"],
    ["NODE_ID", "pod/1"],
    ["LLM_CHUNK_TIMEOUT_MS", "-5"],
    ["SESSION_SECRET", "short"],
    ["RUN_CHECKPOINT_MS", "0"],
    ["RUN_STALE_AFTER_MS", "6000"],
  ])("names %s when it holds the bad value %j", (variable, value) => {
    expect(() => parseEnv({ [variable]: value })).toThrow(EnvError);
    expect(() => parseEnv({ [variable]: value })).toThrow(
      new RegExp(`^Invalid environment variable ${variable}:`),
    );
  });

  it("treats an empty value as unset", () => {
    expect(parseEnv({ PORT: "", LLM_BASE_URL: "" })).toMatchObject({ PORT: 3000, LLM_BASE_URL: undefined });
  });
});
