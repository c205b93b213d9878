import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { gatheringStreamReads, type RedisClient, STREAM_GATHER_MS } from "@/lib/realtime/redis-adapter";

/** A stand-in for the one command the wrapper changes: replies with as many entries as it is given, counting the reads sent. */
function client(replies: number[]) {
  const sent = { count: 0 };
  const fake = {
    xRead: async () => {
      sent.count += 1;
      const count = replies.shift() ?? 0;
      return count === 0
        ? null
        : [{ name: "s", messages: Array.from({ length: count }, (_, i) => ({ id: `${i}` })) }];
    },
  };
  const wrapped = gatheringStreamReads(fake as unknown as RedisClient);
  const read = () =>
    (wrapped.xRead as unknown as (...args: unknown[]) => Promise<unknown>)([{ key: "s", id: "$" }], {
      COUNT: 100,
      BLOCK: 5000,
    });
  return { read, sent };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("stream reads of the Redis adapter", () => {
  it("sends the read that follows one that found only a few entries STREAM_GATHER_MS later", async () => {
    const { read, sent } = client([1, 3]);
    await read();
    const next = read();
    await vi.advanceTimersByTimeAsync(STREAM_GATHER_MS - 1);
    expect(sent.count).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    await next;
    expect(sent.count).toBe(2);
  });

  it("reads again at once after a full read or an empty one", async () => {
    const { read, sent } = client([100, 0, 5]);
    await read();
    await read();
    await read();
    expect(sent.count).toBe(3);
  });
});
