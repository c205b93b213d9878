import type { IncomingMessage, ServerResponse } from "node:http";
import { type IdentityOptions, identify } from "../auth/identity";
import { createSessionToken, newUserId, SESSION_COOKIE, sessionCookieHeader } from "../auth/session";
import { AppError, toAppError } from "../errors";
import { MAX_BODY_BYTES } from "./body";
import { clientAddress } from "./client-address";
import { MULTIPART_OVERHEAD_BYTES } from "./multipart";
import { appOrigin, arrivedOverHttps, isCrossOrigin } from "./origin";
import { contentSecurityPolicy, FILE_POLICY, newNonce, securityHeaders } from "./security-headers";

type Handle = (req: IncomingMessage, res: ServerResponse) => Promise<void>;
type Exposition = { contentType: string; body: string };

// Pages and GET /api/session hand out identities; the rest of the API answers 401 without one.
const NO_NEW_SESSION = /^\/(_next\/(static|image)|favicon\.ico|icon\.svg|api\/(?!session(\?|$))|metrics)/;
// Probes and static files need no identity, also behind an authenticating proxy.
const NO_IDENTITY = /^\/(_next\/(static|image)|favicon\.ico|icon\.svg|api\/(health|ready)(\?|$)|metrics)/;
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
// The one write that takes a file rather than JSON.
const UPLOAD_PATH = "/api/attachments";

export type RequestListenerOptions = {
  handle: Handle;
  identity: IdentityOptions;
  dev: boolean;
  /** The origin browsers use (PUBLIC_URL); else each request's own host. */
  publicUrl?: string;
  /** ATTACHMENT_MAX_BYTES: the largest file POST /api/attachments takes. */
  attachmentMaxBytes: number;
  /** Proxies in front whose X-Forwarded-For entries count (for limits per address). */
  trustProxy: number;
  /** Counts a new guest identity for an address; throws `rate_limited` past the limit. */
  takeSession?: (address: string) => Promise<void>;
  /** GET /metrics on this port; absent when it has a port of its own. */
  metrics?: { render(): Promise<Exposition>; token?: string };
  onError(error: unknown): void;
};

/**
 * Everything a request passes before Next sees it: security headers, a
 * well-formed URL, writes only from this app's own pages with JSON bodies of
 * bounded size, and an identity (the proxy's user, or a signed guest cookie
 * handed out within a per-address budget).
 */
export function createRequestListener(options: RequestListenerOptions) {
  return (req: IncomingMessage, res: ServerResponse) => {
    handleRequest(req, res, options).catch((error: unknown) => answerFailure(res, error, options.onError));
  };
}

async function handleRequest(
  req: IncomingMessage,
  res: ServerResponse,
  options: RequestListenerOptions,
): Promise<void> {
  // A stored file is never a page: its answer gets the policy under which nothing runs.
  const csp = req.url?.startsWith(`${UPLOAD_PATH}/`)
    ? FILE_POLICY
    : contentSecurityPolicy({ nonce: newNonce(), dev: options.dev });
  for (const [name, value] of Object.entries(
    securityHeaders({ csp, https: arrivedOverHttps(req, options.publicUrl) }),
  )) {
    res.setHeader(name, value);
  }
  // Next takes the nonce for its scripts from the policy on the request.
  req.headers["content-security-policy"] = csp;

  const path = requestPath(req.url);
  if (path === "/metrics" && req.method === "GET") {
    if (!options.metrics) throw new AppError("not_found:api", "Not found.");
    await serveMetrics(req, res, options.metrics);
    return;
  }
  if (!SAFE_METHODS.has(req.method ?? "GET")) checkWrite(req, path, options);
  if (!NO_IDENTITY.test(path)) await ensureIdentity(req, res, path, options);
  await options.handle(req, res);
}

/** The path of a request URL, refusing one that is not well-formed (a bad percent-encoding, a control character). */
export function requestPath(url: string | undefined): string {
  const path = (url ?? "/").split("?")[0] ?? "/";
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    throw new AppError("bad_request:api", "The address is not well-formed.");
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(decoded)) {
    throw new AppError("bad_request:api", "The address is not well-formed.");
  }
  return path;
}

/**
 * State changes come only from this app's own pages (or from clients that are
 * not browsers), only to the API, only as JSON (a file upload as a multipart
 * form), and never larger than the API takes: a form or a text/plain body
 * from another page is refused before it is read.
 */
function checkWrite(req: IncomingMessage, path: string, options: RequestListenerOptions): void {
  if (!path.startsWith("/api/")) {
    throw new AppError("method_not_allowed:api", "Only the API accepts this method.");
  }
  if (isCrossOrigin(req.headers, appOrigin(req, options.publicUrl))) {
    throw new AppError("forbidden:api", "Requests from other sites are refused.");
  }
  const upload = path === UPLOAD_PATH && req.method === "POST";
  const length = req.headers["content-length"];
  const hasBody = req.headers["transfer-encoding"] !== undefined || (length !== undefined && length !== "0");
  const maxBytes = upload ? options.attachmentMaxBytes + MULTIPART_OVERHEAD_BYTES : MAX_BODY_BYTES;
  if (length !== undefined && Number(length) > maxBytes) {
    throw new AppError("payload_too_large:api", "The request body is too large.");
  }
  const expected = upload ? "multipart/form-data" : "application/json";
  const type = req.headers["content-type"]?.split(";")[0]?.trim().toLowerCase();
  if ((hasBody || type !== undefined) && type !== expected) {
    throw new AppError("unsupported_media_type:api", `Send the body as ${expected}.`);
  }
}

async function ensureIdentity(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  options: RequestListenerOptions,
): Promise<void> {
  const { identity } = options;
  if (identify(req.headers, identity)) return;
  if (identity.proxyHeader) {
    throw new AppError("unauthorized:api", "Not signed in: sign in through the authenticating proxy.");
  }
  if (NO_NEW_SESSION.test(path)) return;
  await options.takeSession?.(
    clientAddress({ headers: req.headers, remoteAddress: req.socket.remoteAddress }, options.trustProxy),
  );
  giveGuestIdentity(req, res, identity.sessionSecret, arrivedOverHttps(req, options.publicUrl));
}

/**
 * A new signed guest identity: the cookie is set on the response and written
 * into the request, so the page rendered for this very request already knows
 * who is asking.
 */
function giveGuestIdentity(req: IncomingMessage, res: ServerResponse, secret: string, secure: boolean): void {
  const token = createSessionToken(newUserId(), secret);
  res.setHeader("Set-Cookie", sessionCookieHeader(token, { secure }));
  const others = (req.headers.cookie ?? "")
    .split(";")
    .map((part) => part.trim())
    .filter((part) => part && !part.startsWith(`${SESSION_COOKIE}=`));
  req.headers.cookie = [...others, `${SESSION_COOKIE}=${token}`].join("; ");
}

async function serveMetrics(
  req: IncomingMessage,
  res: ServerResponse,
  metrics: NonNullable<RequestListenerOptions["metrics"]>,
): Promise<void> {
  if (metrics.token && req.headers.authorization !== `Bearer ${metrics.token}`) {
    res.setHeader("www-authenticate", 'Bearer realm="metrics"');
    throw new AppError("unauthorized:api", "The metrics need their token.");
  }
  const { contentType, body } = await metrics.render();
  res.statusCode = 200;
  res.setHeader("content-type", contentType);
  res.setHeader("cache-control", "no-store");
  res.end(body);
}

/** Answers a refusal with the API's error shape; only the unexpected is logged. */
function answerFailure(res: ServerResponse, failure: unknown, onError: (error: unknown) => void): void {
  const error = toAppError(failure);
  if (error.type === "internal") onError(failure);
  if (res.headersSent) {
    res.end();
    return;
  }
  const response = error.toResponse();
  res.statusCode = response.status;
  response.headers.forEach((value, name) => {
    res.setHeader(name, value);
  });
  // A refused body is not read: close the connection rather than drain it.
  if (error.type === "payload_too_large" || error.type === "unsupported_media_type") {
    res.setHeader("connection", "close");
  }
  res.end(JSON.stringify({ error: error.toJSON() }));
}

/** The listener of a port of its own that serves GET /metrics and nothing else. */
export function createMetricsListener(
  metrics: NonNullable<RequestListenerOptions["metrics"]>,
  onError: (error: unknown) => void,
) {
  return (req: IncomingMessage, res: ServerResponse) => {
    const serve = async () => {
      if (req.method !== "GET" || requestPath(req.url) !== "/metrics") {
        throw new AppError("not_found:api", "Only /metrics is served here.");
      }
      await serveMetrics(req, res, metrics);
    };
    serve().catch((error: unknown) => answerFailure(res, error, onError));
  };
}
