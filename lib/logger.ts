import pino, { type DestinationStream, type LogFn, type Logger, type LoggerOptions } from "pino";
import { boundLogFields, boundMessage, errorMessage, type Mask, serializeError } from "./log-fields";

export type { Logger };

/** Shorter values would blank out ordinary words. */
const MIN_SECRET_LENGTH = 8;

const maskable = (secrets: ReadonlyArray<string | undefined>) =>
  secrets.filter((secret): secret is string => (secret?.length ?? 0) >= MIN_SECRET_LENGTH);

/** Replaces every configured secret in a written line, wherever a message may have picked it up. */
function maskSecrets(secrets: ReadonlyArray<string | undefined>): ((line: string) => string) | undefined {
  const needles = maskable(secrets).map((secret) => JSON.stringify(secret).slice(1, -1));
  if (needles.length === 0) return undefined;
  return (line) => needles.reduce((masked, needle) => masked.replaceAll(needle, "[redacted]"), line);
}

/** The same in a text about to be cut, where half a secret would no longer match. */
function maskText(secrets: ReadonlyArray<string | undefined>): Mask {
  const needles = maskable(secrets);
  return (text) => needles.reduce((masked, needle) => masked.replaceAll(needle, "[redacted]"), text);
}

/**
 * `logger.error(error)` and `logger.error({ err })` take the error's message
 * as the line's: give them one fit for a log (a failed query's is its SQL and
 * parameters).
 */
function logMethod(this: Logger, args: Parameters<LogFn>, method: LogFn): void {
  method.apply(this, withErrorMessage(args as unknown[]) as Parameters<LogFn>);
}

function withErrorMessage(args: unknown[]): unknown[] {
  const [first, ...rest] = args;
  if (first instanceof Error) return [{ err: first }, ...(rest.length > 0 ? rest : [errorMessage(first)])];
  const err = (first as { err?: unknown } | null)?.err;
  if (rest.length === 0 && err instanceof Error) return [first, errorMessage(err)];
  return args;
}

// Serialized on their own, after the other fields are bounded.
const ERROR_KEYS: ReadonlySet<string> = new Set(["err", "error"]);

/**
 * Structured JSON logs; any field that could hold a secret is removed before
 * it is written, and the values of `secrets` never appear, even inside a
 * message (an upstream error may quote the key it was sent). Lines stay
 * bounded whatever was logged: long texts are cut, and errors keep their
 * type, message, codes, stack frames and causes, never a failed query's SQL
 * or parameters.
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
  const mask = maskText(options.secrets ?? []);
  const errorSerializer = (value: unknown) => serializeError(value, mask);
  const settings: LoggerOptions = {
    level: options.level ?? "info",
    hooks: { logMethod, ...(streamWrite && { streamWrite }) },
    formatters: { log: (fields) => boundLogFields(fields, { mask, keep: ERROR_KEYS }) },
    serializers: {
      err: errorSerializer,
      error: errorSerializer,
      msg: (message: unknown) => boundMessage(message, mask),
    },
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
