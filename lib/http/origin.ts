import type { IncomingHttpHeaders, IncomingMessage } from "node:http";
import type { TLSSocket } from "node:tls";

const first = (value: string | string[] | undefined) =>
  (Array.isArray(value) ? value[0] : value)?.split(",")[0]?.trim() || undefined;

/** Whether the browser reached this app over HTTPS: the public URL says so, or the proxy in front does. */
export function arrivedOverHttps(req: IncomingMessage, publicUrl: string | undefined): boolean {
  if (publicUrl) return publicUrl.startsWith("https:");
  return first(req.headers["x-forwarded-proto"]) === "https" || Boolean((req.socket as TLSSocket).encrypted);
}

/**
 * The origin browsers use for this app: PUBLIC_URL's when configured (behind a
 * proxy that rewrites Host), else the scheme and host of the request itself.
 */
export function appOrigin(req: IncomingMessage, publicUrl: string | undefined): string | undefined {
  if (publicUrl) return new URL(publicUrl).origin;
  const host = first(req.headers["x-forwarded-host"]) ?? first(req.headers.host);
  if (!host) return undefined;
  const scheme = arrivedOverHttps(req, undefined) ? "https" : "http";
  try {
    return new URL(`${scheme}://${host}`).origin;
  } catch {
    return undefined;
  }
}

/**
 * A request a page of another origin made the browser send: its Origin header
 * names someone else (or is "null", a sandboxed or opaque origin), or, where a
 * browser sent no Origin, Fetch Metadata says it did not come from this origin.
 * A request with neither header did not come from a browser page at all
 * (curl, a server), so it carries no ambient authority to abuse.
 */
export function isCrossOrigin(headers: IncomingHttpHeaders, expected: string | undefined): boolean {
  const origin = first(headers.origin);
  if (origin !== undefined) return origin !== expected;
  const site = first(headers["sec-fetch-site"]);
  return site !== undefined && site !== "same-origin" && site !== "none";
}
