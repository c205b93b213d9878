import { createHmac, randomUUID, timingSafeEqual } from "node:crypto";

export const SESSION_COOKIE = "sid";
const ONE_YEAR_S = 60 * 60 * 24 * 365;

function sign(userId: string, secret: string): string {
  return createHmac("sha256", secret).update(userId).digest("base64url");
}

export function createSessionToken(userId: string, secret: string): string {
  return `${userId}.${sign(userId, secret)}`;
}

/** The user id a token proves, or null when it is missing, malformed or forged. */
export function verifySessionToken(token: string | undefined | null, secret: string): string | null {
  if (!token) return null;
  const dot = token.lastIndexOf(".");
  if (dot <= 0) return null;
  const userId = token.slice(0, dot);
  const given = Buffer.from(token.slice(dot + 1));
  const expected = Buffer.from(sign(userId, secret));
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  return userId;
}

export function newUserId(): string {
  return `u_${randomUUID()}`;
}

export function sessionCookieHeader(token: string, options: { secure: boolean }): string {
  const parts = [`${SESSION_COOKIE}=${token}`, "Path=/", "HttpOnly", "SameSite=Lax", `Max-Age=${ONE_YEAR_S}`];
  if (options.secure) parts.push("Secure");
  return parts.join("; ");
}

/** Reads one cookie from a Cookie header; a value that is not well-formed counts as absent. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeCookieValue(part.slice(eq + 1).trim());
  }
  return undefined;
}

function decodeCookieValue(value: string): string | undefined {
  try {
    return decodeURIComponent(value);
  } catch {
    // A malformed percent-encoding (say `%E0%A4%A`) is no session, not a failure.
    return undefined;
  }
}
