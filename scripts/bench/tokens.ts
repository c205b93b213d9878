/** The benchmark's stamped tokens: `t<index>@<ms since the epoch> `, read back from any text that holds them. */

/** Milliseconds since the epoch with sub-millisecond precision, comparable across processes. */
export const wallClockMs = () => performance.timeOrigin + performance.now();

export const stampedToken = (index: number, sentAt: number) => `t${index}@${sentAt.toFixed(3)} `;

const STAMP = /t(\d+)@(\d+\.\d+) /g;

/** Every stamped token in a text, in order. */
export function readStamps(text: string): Array<{ index: number; sentAt: number }> {
  const found: Array<{ index: number; sentAt: number }> = [];
  for (const match of text.matchAll(STAMP)) found.push({ index: Number(match[1]), sentAt: Number(match[2]) });
  return found;
}
