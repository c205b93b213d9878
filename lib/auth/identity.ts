import type { IncomingHttpHeaders } from "node:http";
import { readCookie, SESSION_COOKIE, verifySessionToken } from "./session";

export type IdentityOptions = {
  sessionSecret: string;
  /** Lower-case name of the header an authenticating proxy sets; guest cookies when absent. */
  proxyHeader?: string;
};

type HeaderSource = IncomingHttpHeaders | { get(name: string): string | null };

const PROXY_USER_MAX = 256;
// Printable text only: the value becomes a stored owner id and appears in logs.
const PROXY_USER = /^[^\p{Cc}\p{Cf}\s][^\p{Cc}\p{Cf}]*$/u;

function header(headers: HeaderSource, name: string): string | undefined {
  if (typeof headers.get === "function")
    return (headers as { get(n: string): string | null }).get(name) ?? undefined;
  const value = (headers as IncomingHttpHeaders)[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The user an authenticating proxy vouches for, or null when its header is missing or unusable. */
export function proxyUserId(value: string | undefined): string | null {
  const user = value?.trim();
  if (!user || user.length > PROXY_USER_MAX || !PROXY_USER.test(user)) return null;
  return `proxy:${user}`;
}

/**
 * Who is asking: behind an authenticating proxy (`proxyHeader`) the user it
 * names, the same in every browser; otherwise the guest identity of the
 * signed `sid` cookie. Null when the request proves neither.
 */
export function identify(headers: HeaderSource, options: IdentityOptions): string | null {
  if (options.proxyHeader) return proxyUserId(header(headers, options.proxyHeader));
  return verifySessionToken(readCookie(header(headers, "cookie"), SESSION_COOKIE), options.sessionSecret);
}
