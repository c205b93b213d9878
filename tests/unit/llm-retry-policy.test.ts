import { describe, expect, it } from "vitest";
import { backoffDelayMs, parseRetryAfterMs, sleep } from "../../lib/llm/retry-policy";

describe("parseRetryAfterMs", () => {
  const now = Date.parse("2025-01-01T00:00:00Z");

  it("reads Retry-After in seconds", () => {
    expect(parseRetryAfterMs({ "retry-after": "3" }, now)).toBe(3_000);
    expect(parseRetryAfterMs({ "retry-after": "0.5" }, now)).toBe(500);
  });

  it("reads Retry-After as an HTTP date relative to now, never negative", () => {
    expect(parseRetryAfterMs({ "retry-after": "Wed, 01 Jan 2025 00:00:07 GMT" }, now)).toBe(7_000);
    expect(parseRetryAfterMs({ "retry-after": "Tue, 31 Dec 2024 23:59:00 GMT" }, now)).toBe(0);
  });

  it("prefers retry-after-ms over Retry-After", () => {
    expect(parseRetryAfterMs({ "retry-after-ms": "250", "retry-after": "9" }, now)).toBe(250);
  });

  it("matches header names regardless of case and accepts Headers", () => {
    expect(parseRetryAfterMs({ "Retry-After": "2" }, now)).toBe(2_000);
    expect(parseRetryAfterMs(new Headers({ "Retry-After": "4" }), now)).toBe(4_000);
  });

  it("returns undefined when there is nothing usable", () => {
    expect(parseRetryAfterMs(undefined, now)).toBeUndefined();
    expect(parseRetryAfterMs({}, now)).toBeUndefined();
    expect(parseRetryAfterMs({ "retry-after": "soon" }, now)).toBeUndefined();
    expect(parseRetryAfterMs({ "retry-after-ms": "-5" }, now)).toBeUndefined();
  });
});

describe("backoffDelayMs", () => {
  const options = { baseDelayMs: 500, maxDelayMs: 10_000 };

  it("doubles with each retry between half and all of the exponential delay", () => {
    expect(backoffDelayMs(0, { ...options, random: () => 0 })).toBe(250);
    expect(backoffDelayMs(0, { ...options, random: () => 0.999999 })).toBe(500);
    expect(backoffDelayMs(1, { ...options, random: () => 0 })).toBe(500);
    expect(backoffDelayMs(3, { ...options, random: () => 0.5 })).toBe(3_000);
  });

  it("never exceeds the cap", () => {
    for (let retry = 0; retry < 20; retry++) {
      expect(backoffDelayMs(retry, { ...options, random: () => 0.999999 })).toBeLessThanOrEqual(10_000);
    }
    expect(backoffDelayMs(10, { ...options, random: () => 0 })).toBe(5_000);
  });
});

describe("sleep", () => {
  it("ends as soon as the signal aborts", async () => {
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 20);
    await sleep(5_000, controller.signal);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it("returns at once for an already aborted signal", async () => {
    const started = Date.now();
    await sleep(5_000, AbortSignal.abort());
    expect(Date.now() - started).toBeLessThan(100);
  });
});
