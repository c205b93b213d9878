import type { z } from "zod";
import { identify } from "../auth/identity";
import { AppError, toAppError } from "../errors";
import { idSchema } from "../protocol/schemas";
import { getServices } from "../services";
import { readBodyText } from "./body";

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

/** A route whose address holds one id: `/…/[id]`. */
export type IdContext = { params: Promise<{ id: string }> };

/** The id in the address, refused before any query when it could not be an id; `what` names it in the refusal. */
export async function idInPath({ params }: IdContext, what: string): Promise<string> {
  const parsed = idSchema.safeParse((await params).id);
  if (!parsed.success) throw new AppError("bad_request:api", `The ${what} id in the address is not valid.`);
  return parsed.data;
}

/** Reads and validates a JSON body, refusing oversized or malformed input with a clear message. */
export async function parseBody<S extends z.ZodType>(request: Request, schema: S): Promise<z.infer<S>> {
  const raw = await readBodyText(request);
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
 * The origin the client used, for links it will follow: PUBLIC_URL when
 * configured, else what the forwarded headers or the Host header say (Next's
 * request.url carries the server's own configured host instead). Headers that
 * do not make an origin fall back to the request URL's.
 */
export function publicOrigin(request: Request): string {
  const configured = getServices().env.PUBLIC_URL;
  if (configured) return new URL(configured).origin;
  const first = (value: string | null) => value?.split(",")[0]?.trim() || undefined;
  const host = first(request.headers.get("x-forwarded-host")) ?? first(request.headers.get("host"));
  const url = new URL(request.url);
  const forwarded = first(request.headers.get("x-forwarded-proto"));
  const proto = forwarded === "https" || forwarded === "http" ? forwarded : url.protocol.replace(":", "");
  if (!host) return url.origin;
  try {
    return new URL(`${proto}://${host}`).origin;
  } catch {
    return url.origin;
  }
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
      const response = appError.toResponse();
      // The rest of an oversized body is never read: close rather than drain it.
      if (appError.type === "payload_too_large") response.headers.set("connection", "close");
      return response;
    }
  };
}
