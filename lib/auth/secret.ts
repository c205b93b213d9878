import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * The secret that signs session cookies: SESSION_SECRET when given, else one
 * generated on first start and kept (readable by this user only) in dataDir,
 * so sessions survive restarts.
 */
export function loadSessionSecret(options: { configured?: string; dataDir: string }): string {
  if (options.configured) return options.configured;
  const file = join(options.dataDir, "session-secret");
  try {
    const stored = readFileSync(file, "utf8").trim();
    if (stored.length >= 32) return stored;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  mkdirSync(options.dataDir, { recursive: true });
  const secret = randomBytes(32).toString("base64url");
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}
