import fc from "fast-check";
import { afterEach, describe, expect, it, vi } from "vitest";
import { AppError } from "@/lib/errors";
import { createLimits, type LimitsEnv } from "@/lib/limits";
import { ConnectionSlots } from "@/lib/limits/connection-slots";
import type { RedisClient } from "@/lib/realtime/redis-adapter";

const env = (overrides: Partial<LimitsEnv> = {}): LimitsEnv => ({
  RATE_LIMIT_MESSAGES_PER_MINUTE: 3,
  RATE_LIMIT_SESSIONS_PER_MINUTE: 2,
  RATE_LIMIT_UPLOADS_PER_MINUTE: 2,
  MAX_ACTIVE_RUNS_PER_USER: 6,
  RATE_LIMIT_SOCKET_EVENTS_PER_SECOND: 2,
  REDIS_KEY_PREFIX: "test",
  ...overrides,
});

/** Takes `count` times; resolves with how many were allowed and the refusals. */
async function attempt(take: () => Promise<void>, count: number) {
  let allowed = 0;
  const refusals: AppError[] = [];
  for (let i = 0; i < count; i += 1) {
    try {
      await take();
      allowed += 1;
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      refusals.push(error);
    }
  }
  return { allowed, refusals };
}

afterEach(() => {
  vi.useRealTimers();
});

describe("limits in memory", () => {
  it("allow the messages per minute, then refuse with rate_limited and the time to wait", async () => {
    const limits = createLimits({ env: env() });
    const { allowed, refusals } = await attempt(() => limits.takeMessage("u_1"), 5);
    expect(allowed).toBe(3);
    expect(refusals).toHaveLength(2);
    for (const refusal of refusals) {
      expect(refusal.code).toBe("rate_limited");
      expect(refusal.status).toBe(429);
      expect(refusal.retryInMs).toBeGreaterThan(0);
      expect(refusal.retryInMs).toBeLessThanOrEqual(60_000);
      expect(refusal.toJSON()).toEqual({
        code: "rate_limited",
        message: "You're sending messages too fast.",
        retryInMs: refusal.retryInMs,
      });
      expect(refusal.toResponse().headers.get("retry-after")).toMatch(/^\d+$/);
    }
  });

  it("count each identity on its own", async () => {
    const limits = createLimits({ env: env() });
    await attempt(() => limits.takeMessage("u_1"), 10);
    expect((await attempt(() => limits.takeMessage("u_2"), 3)).allowed).toBe(3);
  });

  it("count new sessions per address, apart from messages", async () => {
    const limits = createLimits({ env: env() });
    await attempt(() => limits.takeMessage("10.0.0.1"), 10);
    const { allowed, refusals } = await attempt(() => limits.takeSession("10.0.0.1"), 4);
    expect(allowed).toBe(2);
    expect(refusals.map((refusal) => refusal.code)).toEqual(["rate_limited", "rate_limited"]);
    expect((await attempt(() => limits.takeSession("10.0.0.2"), 1)).allowed).toBe(1);
  });

  it("give each connection a burst of five seconds' worth of events", async () => {
    const limits = createLimits({ env: env({ RATE_LIMIT_SOCKET_EVENTS_PER_SECOND: 2 }) });
    const { allowed, refusals } = await attempt(() => limits.takeSocketEvent("socket-a"), 14);
    expect(allowed).toBe(10);
    for (const refusal of refusals) expect(refusal.retryInMs).toBeGreaterThan(0);
    for (const refusal of refusals) expect(refusal.retryInMs).toBeLessThanOrEqual(5_000);
    expect((await attempt(() => limits.takeSocketEvent("socket-b"), 10)).allowed).toBe(10);
  });

  it("give the budget back a minute after the first message", async () => {
    vi.useFakeTimers({ now: new Date("2030-01-01T00:00:00Z") });
    const limits = createLimits({ env: env() });
    await attempt(() => limits.takeMessage("u_1"), 3);
    vi.advanceTimersByTime(30_000);
    const early = await attempt(() => limits.takeMessage("u_1"), 1);
    expect(early.allowed).toBe(0);
    expect(early.refusals[0]?.retryInMs).toBeLessThanOrEqual(30_000);
    vi.advanceTimersByTime(30_001);
    expect((await attempt(() => limits.takeMessage("u_1"), 3)).allowed).toBe(3);
  });

  it("allow exactly the limit of any burst, whatever the limit", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 40 }), fc.nat({ max: 100 }), async (perMinute, burst) => {
        const limits = createLimits({ env: env({ RATE_LIMIT_MESSAGES_PER_MINUTE: perMinute }) });
        const { allowed, refusals } = await attempt(() => limits.takeMessage("u"), burst);
        expect(allowed).toBe(Math.min(burst, perMinute));
        expect(refusals.every((refusal) => (refusal.retryInMs ?? 0) > 0)).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  it("carry the active-run limit for the database to enforce", () => {
    expect(createLimits({ env: env({ MAX_ACTIVE_RUNS_PER_USER: 4 }) }).maxActiveRunsPerUser).toBe(4);
  });
});

describe("limits on Redis", () => {
  it("fall back to a budget in memory while Redis is unreachable", async () => {
    const offline = { isReady: false, isOpen: false } as unknown as RedisClient;
    const limits = createLimits({ env: env(), redis: offline });
    const { allowed, refusals } = await attempt(() => limits.takeMessage("u_1"), 5);
    expect(allowed).toBe(3);
    expect(refusals.map((refusal) => refusal.code)).toEqual(["rate_limited", "rate_limited"]);
  });
});

describe("connection slots", () => {
  it("refuse past the limit per identity and give a slot back once", () => {
    const slots = new ConnectionSlots({ perUser: 2, perAddress: 10 });
    const first = slots.take("u_1", "a");
    const second = slots.take("u_1", "b");
    expect(first && second).toBeTruthy();
    expect(slots.take("u_1", "c")).toBeNull();
    expect(slots.take("u_2", "a")).not.toBeNull();
    first?.();
    first?.();
    expect(slots.held({ userId: "u_1", address: "a" })).toEqual({ user: 1, address: 1 });
    expect(slots.take("u_1", "c")).not.toBeNull();
    expect(slots.take("u_1", "c")).toBeNull();
  });

  it("refuse past the limit per address, holding nothing for the refused identity", () => {
    const slots = new ConnectionSlots({ perUser: 10, perAddress: 1 });
    expect(slots.take("u_1", "a")).not.toBeNull();
    expect(slots.take("u_2", "a")).toBeNull();
    expect(slots.held({ userId: "u_2", address: "a" })).toEqual({ user: 0, address: 1 });
  });

  it("never hold more than the limits, whatever the order of takes and releases", () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant("take" as const), user: fc.nat(3), address: fc.nat(2) }),
      fc.record({ kind: fc.constant("release" as const), index: fc.nat(50) }),
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 6 }),
        fc.array(op),
        (perUser, perAddress, ops) => {
          const slots = new ConnectionSlots({ perUser, perAddress });
          const open: Array<{ user: string; address: string; release: () => void }> = [];
          for (const step of ops) {
            if (step.kind === "take") {
              const user = `u${step.user}`;
              const address = `a${step.address}`;
              const byUser = open.filter((slot) => slot.user === user).length;
              const byAddress = open.filter((slot) => slot.address === address).length;
              const release = slots.take(user, address);
              expect(release !== null).toBe(byUser < perUser && byAddress < perAddress);
              if (release) open.push({ user, address, release });
            } else if (open.length > 0) {
              const [slot] = open.splice(step.index % open.length, 1);
              slot?.release();
            }
          }
          for (let user = 0; user < 4; user += 1) {
            const held = slots.held({ userId: `u${user}` }).user;
            expect(held).toBe(open.filter((slot) => slot.user === `u${user}`).length);
            expect(held).toBeLessThanOrEqual(perUser);
          }
        },
      ),
    );
  });
});
