/** Starts a sentence with an upstream's name, e.g. "the gateway" → "The gateway". */
export const capitalize = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/** "1.0 s" below ten seconds, "42 s" above. */
export function formatSeconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`;
}
