import type { z } from "zod";
import { identify } from "../auth/identity";
import { AppError, toAppError } from "../errors";
import { getServices } from "../services";

const MAX_BODY_BYTES = 256 * 1024;

/** The caller's user id: the signed guest cookie, or the authenticating proxy's user. */
export function requireUserId(request: Request): string {
  const { identity } = getServices();
  const userId = identify(request.headers, identity);
  if (!userId) {
    throw new AppError(
      "unauthorized:api",
      identity.proxyHeader
        ? "Not signed in: sign in through the authenticating proxy."
        : "No valid session: load the app or GET /api/session first.",
    );
  }
  return userId;
}

/** Reads and validates a JSON body, refusing oversized or malformed input with a clear message. */
export async function parseBody<S extends z.ZodType>(request: Request, schema: S): Promise<z.infer<S>> {
  const length = Number(request.headers.get("content-length") ?? 0);
  if (length > MAX_BODY_BYTES) throw new AppError("payload_too_large:api", "The request body is too large.");
  const raw = await request.text();
  if (raw.length > MAX_BODY_BYTES)
    throw new AppError("payload_too_large:api", "The request body is too large.");
  let json: unknown = {};
  if (raw.trim()) {
    try {
      json = JSON.parse(raw);
    } catch {
      throw new AppError("bad_request:api", "The request body is not valid JSON.");
    }
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? `${issue.path.join(".")}: ` : "";
    throw new AppError("bad_request:api", `${where}${issue?.message ?? "invalid request"}`);
  }
  return parsed.data;
}

/**
 * The origin the client used, for links it will follow: behind a proxy the
 * forwarded headers say it, else the Host header (Next's request.url carries
 * the server's own configured host instead).
 */
export function publicOrigin(request: Request): string {
  const first = (value: string | null) => value?.split(",")[0]?.trim() || undefined;
  const host = first(request.headers.get("x-forwarded-host")) ?? first(request.headers.get("host"));
  const url = new URL(request.url);
  const proto = first(request.headers.get("x-forwarded-proto")) ?? url.protocol.replace(":", "");
  return host ? `${proto}://${host}` : url.origin;
}

type Handler<C> = (request: Request, context: C) => Promise<Response>;

/** Turns every failure of a route handler into the API's error shape, logging the unexpected ones once. */
export function route<C>(handler: Handler<C>): Handler<C> {
  return async (request, context) => {
    try {
      return await handler(request, context);
    } catch (error) {
      const appError = toAppError(error);
      if (appError.type === "internal") {
        getServices().logger.error({ err: error, url: request.url }, "route failed");
      }
      return appError.toResponse();
    }
  };
}
