type Waiting<I, O> = { item: I; resolve(outcome: O): void; reject(error: unknown): void };

/**
 * Group commit: items handed in one at a time are written together. The
 * first waits only for the end of the current event-loop turn (so a lone
 * item costs no added delay); items that arrive while a batch is being
 * written wait for it and go together in the next one, up to `maxBatch`.
 * Under a burst the database sees a few large statements instead of many
 * small transactions; each item still gets its own outcome. A batch the
 * database refuses is written again item by item, so one item that cannot be
 * stored (its conversation deleted a moment ago, say) fails alone.
 */
export function groupCommit<I, O>(
  write: (items: I[]) => Promise<O[]>,
  options: { maxBatch: number },
): (item: I) => Promise<O> {
  const waiting: Waiting<I, O>[] = [];
  let busy = false;

  /** Writes a batch and settles its items; false when a batch of several failed and nothing was settled. */
  const settle = async (batch: Waiting<I, O>[]): Promise<boolean> => {
    try {
      const outcomes = await write(batch.map((entry) => entry.item));
      for (const [i, entry] of batch.entries()) entry.resolve(outcomes[i] as O);
    } catch (error) {
      if (batch.length > 1) return false;
      for (const entry of batch) entry.reject(error);
    }
    return true;
  };

  const flush = async () => {
    while (waiting.length > 0) {
      const batch = waiting.splice(0, options.maxBatch);
      if (await settle(batch)) continue;
      for (const entry of batch) await settle([entry]);
    }
    busy = false;
  };

  return (item) =>
    new Promise<O>((resolve, reject) => {
      waiting.push({ item, resolve, reject });
      if (busy) return;
      busy = true;
      setImmediate(() => void flush());
    });
}
