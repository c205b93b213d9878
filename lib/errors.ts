export type ErrorType =
  | "bad_request"
  | "unauthorized"
  | "forbidden"
  | "not_found"
  | "method_not_allowed"
  | "conflict"
  | "payload_too_large"
  | "unsupported_media_type"
  | "rate_limit"
  | "upstream"
  | "unavailable"
  | "timeout"
  | "internal";

export type Surface =
  | "api"
  | "socket"
  | "conversation"
  | "message"
  | "approval"
  | "attachment"
  | "chat"
  | "model"
  | "database";

/** `rate_limited` is the protocol's own word for every refusal over a limit (SPEC §3). */
export type ErrorCode = `${ErrorType}:${Surface}` | "rate_limited";

const statusByType: Record<ErrorType, number> = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limit: 429,
  upstream: 502,
  unavailable: 503,
  timeout: 504,
  internal: 500,
};

/** An error whose code decides the HTTP status and whether its message may reach the user. */
export class AppError extends Error {
  override readonly name = "AppError";
  readonly type: ErrorType;
  readonly surface: Surface;

  /** With `rate_limited`: how long to wait before trying again. */
  readonly retryInMs?: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown; retryInMs?: number },
  ) {
    super(message, options);
    const [type, surface] = (code === "rate_limited" ? ["rate_limit", "chat"] : code.split(":")) as [
      ErrorType,
      Surface,
    ];
    this.type = type;
    this.surface = surface;
    if (options?.retryInMs !== undefined) this.retryInMs = Math.max(0, Math.ceil(options.retryInMs));
  }

  get status(): number {
    return statusByType[this.type];
  }

  /** Internal errors never show their details to the user. */
  get publicMessage(): string {
    return this.type === "internal" ? "Something went wrong on our side." : this.message;
  }

  toJSON(): { code: ErrorCode; message: string; retryInMs?: number } {
    const json = { code: this.code, message: this.publicMessage };
    return this.retryInMs === undefined ? json : { ...json, retryInMs: this.retryInMs };
  }

  toResponse(): Response {
    const headers: Record<string, string> =
      this.retryInMs === undefined
        ? {}
        : { "retry-after": String(Math.max(1, Math.ceil(this.retryInMs / 1000))) };
    return Response.json({ error: this.toJSON() }, { status: this.status, headers });
  }
}

/**
 * Route handlers are bundled by Next while the services they call are loaded by
 * server.ts, so an AppError may come from another copy of this class: recognise
 * it by shape, not by prototype.
 */
export function isAppError(error: unknown): error is AppError {
  return (
    error instanceof Error &&
    error.name === "AppError" &&
    typeof (error as Partial<AppError>).code === "string" &&
    ((error as AppError).code.includes(":") || (error as AppError).code === "rate_limited")
  );
}

export function toAppError(error: unknown, fallback: ErrorCode = "internal:api"): AppError {
  if (error instanceof AppError) return error;
  if (isAppError(error))
    return new AppError(error.code, error.message, { cause: error, retryInMs: error.retryInMs });
  return new AppError(fallback, "Unexpected error", { cause: error });
}
