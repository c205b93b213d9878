import pino, { type Logger } from "pino";

export type { Logger };

/** Structured JSON logs; any field that could hold a secret is removed before it is written. */
export function createLogger(options: { level?: string } = {}): Logger {
  return pino({
    level: options.level ?? "info",
    base: { service: "switchboard" },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: [
        "apiKey",
        "*.apiKey",
        "LLM_API_KEY",
        "*.LLM_API_KEY",
        "SESSION_SECRET",
        "*.SESSION_SECRET",
        "headers.authorization",
        "headers.cookie",
        "*.headers.authorization",
        "*.headers.cookie",
        "cookie",
        "password",
      ],
      remove: true,
    },
  });
}
