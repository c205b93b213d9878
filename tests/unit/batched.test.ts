import { describe, expect, it } from "vitest";
import { batched } from "@/lib/db/batched";

/** A writer that records its batches and finishes each when told to. */
function recordingWriter(fail: (item: number) => boolean = () => false) {
  const batches: number[][] = [];
  const pending: Array<() => void> = [];
  const write = (items: number[]) => {
    batches.push(items);
    return new Promise<string[]>((resolve, reject) => {
      pending.push(() =>
        items.some(fail)
          ? reject(new Error(`refused ${items.join(",")}`))
          : resolve(items.map((i) => `stored ${i}`)),
      );
    });
  };
  /** Finishes every write in flight, and those they lead to, until none is left. */
  const finishAll = async () => {
    for (let turn = 0; turn < 50; turn++) {
      await new Promise((resolve) => setImmediate(resolve));
      const next = pending.shift();
      if (next) next();
    }
  };
  return { batches, write, finishAll };
}

describe("batched calls", () => {
  it("writes what arrives in one turn as one batch, and what arrives during a write as the next", async () => {
    const writer = recordingWriter();
    const store = batched(writer.write, { maxBatch: 100 });
    const first = [1, 2, 3].map((item) => store(item));
    await new Promise((resolve) => setImmediate(resolve));
    expect(writer.batches).toEqual([[1, 2, 3]]);
    // The first batch is still being written: these wait for it, together.
    const second = [4, 5].map((item) => store(item));
    await writer.finishAll();
    expect(writer.batches).toEqual([
      [1, 2, 3],
      [4, 5],
    ]);
    expect(await Promise.all([...first, ...second])).toEqual([1, 2, 3, 4, 5].map((i) => `stored ${i}`));
  });

  it("writes no more than maxBatch items at once", async () => {
    const writer = recordingWriter();
    const store = batched(writer.write, { maxBatch: 2 });
    const all = Promise.all([1, 2, 3, 4, 5].map((item) => store(item)));
    await writer.finishAll();
    await all;
    expect(writer.batches).toEqual([[1, 2], [3, 4], [5]]);
  });

  it("writes a refused batch again item by item, so only the item that cannot be stored fails", async () => {
    const writer = recordingWriter((item) => item === 2);
    const store = batched(writer.write, { maxBatch: 100 });
    const outcomes = Promise.allSettled([1, 2, 3].map((item) => store(item)));
    await writer.finishAll();
    expect(
      (await outcomes).map((outcome) => (outcome.status === "fulfilled" ? outcome.value : "failed")),
    ).toEqual(["stored 1", "failed", "stored 3"]);
    expect(writer.batches).toEqual([[1, 2, 3], [1], [2], [3]]);
  });
});
