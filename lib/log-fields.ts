/**
 * What a log line may hold: every string bounded and marked where cut, the
 * whole line within a budget whatever was logged, and errors reduced to what
 * helps an operator — never a failed query's SQL or its parameters (the
 * users' message text), never a request body an error carries along.
 */

/** Longest text one field keeps. */
export const FIELD_TEXT_MAX = 1_000;
const STACK_MAX = 2_000;
/** A database error's message may quote a value ("invalid input syntax for type json: …"). */
const DATABASE_MESSAGE_MAX = 200;
const ERROR_FIELD_MAX = 200;
const KEY_MAX = 100;
/** Characters (as written in JSON) that the fields of one line, or one error, may take together. */
const FIELDS_BUDGET = 8_000;
const ERROR_BUDGET = 4_000;
const DEPTH_MAX = 5;
const KEYS_MAX = 40;
const ITEMS_MAX = 20;
const CAUSES_MAX = 3;
const LINE_LIMIT_REACHED = "[cut: log line limit]";

/** Rewrites configured secrets in a text (see createLogger). */
export type Mask = (text: string) => string;
const noMask: Mask = (text) => text;

// The fields of an error worth a line: codes and numbers, never bodies, queries or parameters.
const ERROR_FIELDS = [
  "code",
  "errno",
  "syscall",
  "address",
  "port",
  "status",
  "statusCode",
  "retryable",
  "isRetryable",
  "reason",
  "retryInMs",
  "url",
  "digest",
  // PostgreSQL's own: names of things, not values (`detail`, `where` and `hint` may quote a row).
  "severity",
  "constraint",
  "table",
  "column",
] as const;

type ErrorLike = Error & Record<string, unknown>;

function isErrorLike(value: unknown): value is ErrorLike {
  if (value instanceof Error) return true;
  const candidate = value as { message?: unknown; stack?: unknown } | null;
  return (
    typeof candidate === "object" &&
    candidate !== null &&
    typeof candidate.message === "string" &&
    typeof candidate.stack === "string"
  );
}

// drizzle's DrizzleQueryError: "Failed query: <sql>\nparams: <every parameter>".
const FAILED_QUERY = "Failed query: ";

function isQueryError(error: ErrorLike): boolean {
  return String(error.message).startsWith(FAILED_QUERY) || error.constructor?.name === "DrizzleQueryError";
}

/** pg's and PGlite's errors carry PostgreSQL's severity and SQLSTATE code. */
function isDatabaseError(error: ErrorLike): boolean {
  return typeof error.severity === "string" && typeof error.code === "string";
}

function reasonOf(error: ErrorLike): string {
  const message = String(error.message);
  return isDatabaseError(error) ? cut(message, DATABASE_MESSAGE_MAX, noMask) : message;
}

/** A message fit for a log line; a failed query becomes what failed, without its SQL or parameters. */
export function errorMessage(error: unknown): string {
  if (!isErrorLike(error)) return String(error);
  if (!isQueryError(error)) return reasonOf(error);
  const cause = error.cause;
  if (!isErrorLike(cause)) return "database query failed";
  const code = typeof cause.code === "string" ? `${cause.code} ` : "";
  return `database query failed: ${code}${reasonOf(cause)}`;
}

function errorType(error: ErrorLike): string {
  if (error.name && error.name !== "Error") return error.name;
  return error.constructor?.name || "Error";
}

/** The frames only: the first line of a stack repeats the message, SQL and parameters included. */
function framesOf(stack: unknown): string | undefined {
  if (typeof stack !== "string") return undefined;
  const frames = stack.split("\n").filter((line) => /^\s+at /.test(line));
  return frames.length > 0 ? frames.map((line) => line.trim()).join("\n") : undefined;
}

function cut(text: string, max: number, mask: Mask): string {
  // Whatever drizzle's message was pasted into, its SQL and parameters stay out.
  const at = text.indexOf(FAILED_QUERY);
  const scrubbed = at >= 0 ? `${text.slice(0, at)}database query failed [query not logged]` : text;
  if (scrubbed.length <= max) return scrubbed;
  // Masked before cutting: half a secret would escape the masking of the written line.
  const masked = mask(scrubbed);
  if (masked.length <= max) return masked;
  let end = max;
  const last = masked.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${masked.slice(0, end)}… [cut ${masked.length - end} characters]`;
}

/** Walks a value into plain JSON data within a budget of characters. */
class Bounder {
  private left: number;
  private readonly path = new Set<object>();

  constructor(
    budget: number,
    private readonly mask: Mask,
  ) {
    this.left = budget;
  }

  text(value: string, max = FIELD_TEXT_MAX): string {
    if (this.left <= 0) return LINE_LIMIT_REACHED;
    const text = cut(value, max, this.mask);
    this.left -= JSON.stringify(text).length;
    return text;
  }

  value(value: unknown, depth: number): unknown {
    if (typeof value === "string") return this.text(value);
    if (typeof value === "number" || typeof value === "boolean") return value;
    if (typeof value === "bigint") return value.toString();
    if (typeof value !== "object" || value === null) return value === null ? null : undefined;
    if (this.left <= 0) return LINE_LIMIT_REACHED;
    if (isErrorLike(value)) return this.error(value, 0);
    if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
    if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return `[${value.byteLength} bytes]`;
    if (this.path.has(value)) return "[circular]";
    if (depth >= DEPTH_MAX) return Array.isArray(value) ? "[array]" : "[object]";
    this.path.add(value);
    try {
      const toJSON = (value as { toJSON?: unknown }).toJSON;
      if (typeof toJSON === "function") return this.value(toJSON.call(value), depth + 1);
      if (Array.isArray(value)) return this.items(value, depth);
      return this.fields(value as Record<string, unknown>, depth);
    } finally {
      this.path.delete(value);
    }
  }

  fields(
    object: Record<string, unknown>,
    depth: number,
    keep?: ReadonlySet<string>,
  ): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    let count = 0;
    for (const key in object) {
      if (!Object.hasOwn(object, key)) continue;
      if (count === KEYS_MAX || this.left <= 0) {
        out["…"] = count === KEYS_MAX ? "[cut: more fields]" : LINE_LIMIT_REACHED;
        break;
      }
      const field = keep?.has(key) ? object[key] : this.value(object[key], depth + 1);
      if (field === undefined) continue;
      const name = key.length > KEY_MAX ? `${key.slice(0, KEY_MAX)}…` : key;
      this.left -= name.length + 4;
      out[name] = field;
      count += 1;
    }
    return out;
  }

  private items(array: unknown[], depth: number): unknown[] {
    const out = array.slice(0, ITEMS_MAX).map((item) => this.value(item, depth + 1) ?? null);
    if (array.length > ITEMS_MAX) out.push(`[cut: ${array.length - ITEMS_MAX} more items]`);
    return out;
  }

  error(error: ErrorLike, causes: number): Record<string, unknown> {
    if (this.path.has(error)) return { type: errorType(error), message: "[circular]" };
    this.path.add(error);
    try {
      const out: Record<string, unknown> = {
        type: this.text(errorType(error), KEY_MAX),
        message: this.text(errorMessage(error)),
      };
      for (const key of ERROR_FIELDS) {
        const field = error[key];
        if (typeof field === "string") out[key] = this.text(field, ERROR_FIELD_MAX);
        else if (typeof field === "number" || typeof field === "boolean") out[key] = field;
      }
      const stack = framesOf(error.stack);
      if (stack) out.stack = this.text(stack, STACK_MAX);
      if (error.cause !== undefined) out.cause = this.related(error.cause, causes);
      if (Array.isArray(error.errors)) {
        out.errors = error.errors.slice(0, 3).map((inner) => this.related(inner, causes));
      }
      return out;
    } finally {
      this.path.delete(error);
    }
  }

  private related(value: unknown, causes: number): unknown {
    if (causes + 1 >= CAUSES_MAX) return "[cut: deeper causes]";
    return isErrorLike(value) ? this.error(value, causes + 1) : this.value(value, DEPTH_MAX - 1);
  }
}

/**
 * An error (or whatever was thrown) as a log field: type, message, codes,
 * stack frames and its causes, a few levels deep, within a bounded size.
 */
export function serializeError(value: unknown, mask: Mask = noMask): unknown {
  const bounder = new Bounder(ERROR_BUDGET, mask);
  try {
    return isErrorLike(value) ? bounder.error(value, 0) : bounder.value(value, 0);
  } catch {
    // A getter that throws must not take the log call, and whatever called it, down with it.
    return { type: "unknown", message: "[not serialisable]" };
  }
}

/**
 * The fields of one log line, bounded as a whole; the fields named in `keep`
 * pass untouched, for a serializer of their own.
 */
export function boundLogFields(
  fields: Record<string, unknown>,
  options: { mask?: Mask; keep?: ReadonlySet<string> } = {},
): Record<string, unknown> {
  try {
    return new Bounder(FIELDS_BUDGET, options.mask ?? noMask).fields(fields, 0, options.keep);
  } catch {
    return { fields: "[not serialisable]" };
  }
}

/** A log message, bounded like any other text. */
export function boundMessage(message: unknown, mask: Mask = noMask): unknown {
  return typeof message === "string" ? cut(message, FIELD_TEXT_MAX, mask) : message;
}
