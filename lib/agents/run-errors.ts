import type { RunError } from "../protocol";

/** A run that stopped because its server did: on shutdown, or found unfinished after a crash. */
export const interruptedError: RunError = {
  code: "interrupted",
  message: "The server stopped before this answer finished.",
  retryable: true,
};
