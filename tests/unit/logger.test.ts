import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { parseEnv, secretValues } from "@/lib/env";
import { createLogger } from "@/lib/logger";

/** A logger writing to an array instead of stdout. */
function capture(secrets?: string[]) {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { logger: createLogger({ secrets, destination }), lines };
}

describe("createLogger", () => {
  it("masks configured secrets wherever they appear, and leaves other text alone", () => {
    const { logger, lines } = capture(["sk-live-1234567890"]);
    logger.warn({ error: { message: "Invalid API key: sk-live-1234567890" } }, "run finished");
    logger.info("nothing secret here");
    expect(lines.join("")).not.toContain("sk-live-1234567890");
    expect(lines[0]).toContain("Invalid API key: [redacted]");
    expect(lines[1]).toContain("nothing secret here");
  });

  it("removes fields that could hold a secret", () => {
    const { logger, lines } = capture();
    logger.info({ apiKey: "k", headers: { cookie: "sid=abc", authorization: "Bearer x" } }, "request");
    expect(lines[0]).not.toMatch(/sid=abc|Bearer x|"apiKey"/);
  });
});

describe("secretValues", () => {
  it("lists the key, the session secret and the passwords inside URLs", () => {
    const env = parseEnv({
      LLM_API_KEY: "sk-abcdefgh",
      SESSION_SECRET: "s".repeat(32),
      DATABASE_URL: "postgres://app:db%20pass@db/app",
      REDIS_URL: "redis://:redispass@redis:6379",
    });
    expect(secretValues(env)).toEqual(["sk-abcdefgh", "s".repeat(32), "db pass", "redispass"]);
  });
});
