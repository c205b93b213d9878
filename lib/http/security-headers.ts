import { randomBytes } from "node:crypto";

/** A fresh value per response: Next reads it from the request's CSP header and puts it on its scripts. */
export function newNonce(): string {
  return randomBytes(16).toString("base64");
}

/**
 * The policy every page runs under: scripts only from this origin and only
 * those Next marked with this response's nonce (React's development build
 * needs eval), no framing, no plugins. Styles allow inline attributes, which
 * React and the Markdown renderer set; they cannot run code.
 */
export function contentSecurityPolicy(options: { nonce: string; dev: boolean }): string {
  const script = ["'self'", `'nonce-${options.nonce}'`, ...(options.dev ? ["'unsafe-eval'"] : [])];
  return [
    "default-src 'self'",
    `script-src ${script.join(" ")}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

/**
 * The policy of a stored file served as it is: nothing in it may run or load
 * anything, should a browser ever render it as a document.
 */
export const FILE_POLICY = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; sandbox";

/** The headers every page and API answer carries. HSTS only where the browser arrived over HTTPS. */
export function securityHeaders(options: { csp: string; https: boolean }): Record<string, string> {
  return {
    "content-security-policy": options.csp,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "strict-origin-when-cross-origin",
    "cross-origin-opener-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=()",
    ...(options.https && { "strict-transport-security": "max-age=31536000; includeSubDomains" }),
  };
}
