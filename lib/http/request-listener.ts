import type { IncomingMessage, ServerResponse } from "node:http";
import {
  createSessionToken,
  newUserId,
  readCookie,
  SESSION_COOKIE,
  sessionCookieHeader,
  verifySessionToken,
} from "../auth/session";

type Handle = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

// Pages and GET /api/session hand out identities; the rest of the API answers 401 without one.
const NO_NEW_SESSION = /^\/(_next\/(static|image)|favicon\.ico|api\/(?!session(\?|$))|metrics)/;

/**
 * Gives every visitor a signed guest identity before Next sees the request:
 * the cookie is set on the response and written into the request, so the
 * page rendered for this very request already knows who is asking.
 */
export function ensureSessionCookie(req: IncomingMessage, res: ServerResponse, secret: string): void {
  if (NO_NEW_SESSION.test(req.url ?? "/")) return;
  const current = readCookie(req.headers.cookie, SESSION_COOKIE);
  if (verifySessionToken(current, secret)) return;
  const token = createSessionToken(newUserId(), secret);
  const secure = req.headers["x-forwarded-proto"] === "https";
  res.setHeader("Set-Cookie", sessionCookieHeader(token, { secure }));
  const others = (req.headers.cookie ?? "")
    .split(";")
    .map((part) => part.trim())
    .filter((part) => part && !part.startsWith(`${SESSION_COOKIE}=`));
  req.headers.cookie = [...others, `${SESSION_COOKIE}=${token}`].join("; ");
}

type Exposition = { contentType: string; body: string };

function isMetricsRequest(req: IncomingMessage): boolean {
  return req.method === "GET" && (req.url ?? "").split("?")[0] === "/metrics";
}

async function serveMetrics(res: ServerResponse, render: () => Promise<Exposition>): Promise<void> {
  const { contentType, body } = await render();
  res.statusCode = 200;
  res.setHeader("content-type", contentType);
  res.setHeader("cache-control", "no-store");
  res.end(body);
}

export function createRequestListener(options: {
  handle: Handle;
  sessionSecret: string;
  /** GET /metrics: the Prometheus exposition, answered here rather than by Next. */
  metrics?: () => Promise<Exposition>;
  onError(error: unknown): void;
}) {
  return (req: IncomingMessage, res: ServerResponse) => {
    if (options.metrics && isMetricsRequest(req)) {
      serveMetrics(res, options.metrics).catch((error: unknown) => {
        options.onError(error);
        if (!res.headersSent) res.statusCode = 500;
        res.end();
      });
      return;
    }
    try {
      ensureSessionCookie(req, res, options.sessionSecret);
    } catch (error) {
      options.onError(error);
    }
    options.handle(req, res).catch((error: unknown) => {
      options.onError(error);
      if (!res.headersSent) {
        res.statusCode = 500;
        res.setHeader("content-type", "application/json");
        res.end(
          JSON.stringify({ error: { code: "internal:api", message: "Something went wrong on our side." } }),
        );
      } else {
        res.end();
      }
    });
  };
}
