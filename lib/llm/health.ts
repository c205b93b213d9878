import type { UpstreamHealth } from "./types";

/**
 * The last health check's result, at once: a check older than `maxAgeMs` (or
 * none yet) starts a new one in the background, so probes that read this often
 * send the upstream at most one request per `maxAgeMs`.
 */
export function lastKnownHealth(
  check: () => Promise<UpstreamHealth>,
  unknown: UpstreamHealth,
  maxAgeMs = 30_000,
): () => UpstreamHealth {
  let last: { health: UpstreamHealth; at: number } | undefined;
  let checking = false;
  return () => {
    if (!checking && (!last || Date.now() - last.at >= maxAgeMs)) {
      checking = true;
      check()
        .catch((error: unknown) => ({ ...unknown, ok: false, detail: String(error) }))
        .then((health) => {
          last = { health: { ...health, checkedAt: new Date().toISOString() }, at: Date.now() };
          checking = false;
        });
    }
    return last?.health ?? unknown;
  };
}
