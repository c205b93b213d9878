import pino, { type DestinationStream, type Logger, type LoggerOptions } from "pino";

export type { Logger };

/** Shorter values would blank out ordinary words. */
const MIN_SECRET_LENGTH = 8;

/** Replaces every configured secret in a written line, wherever a message may have picked it up. */
function maskSecrets(secrets: ReadonlyArray<string | undefined>): ((line: string) => string) | undefined {
  const needles = secrets
    .filter((secret): secret is string => (secret?.length ?? 0) >= MIN_SECRET_LENGTH)
    .map((secret) => JSON.stringify(secret).slice(1, -1));
  if (needles.length === 0) return undefined;
  return (line) => needles.reduce((masked, needle) => masked.replaceAll(needle, "[redacted]"), line);
}

/**
 * Structured JSON logs; any field that could hold a secret is removed before
 * it is written, and the values of `secrets` never appear, even inside a
 * message (an upstream error may quote the key it was sent).
 */
export function createLogger(
  options: {
    level?: string;
    node?: string;
    secrets?: ReadonlyArray<string | undefined>;
    /** Where lines go; stdout when absent. */
    destination?: DestinationStream;
  } = {},
): Logger {
  const streamWrite = maskSecrets(options.secrets ?? []);
  const settings: LoggerOptions = {
    level: options.level ?? "info",
    ...(streamWrite && { hooks: { streamWrite } }),
    base: { service: "switchboard", node: options.node },
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
  };
  return options.destination ? pino(settings, options.destination) : pino(settings);
}
