import type { AttachmentService } from "./attachments/service";
import type { IdentityOptions } from "./auth/identity";
import type { ChatService } from "./chat/types";
import type { Env } from "./env";
import type { LlmClient } from "./llm/types";
import type { Logger } from "./logger";

/** Process-wide services, built once by server.ts. */
export type Services = {
  env: Env;
  logger: Logger;
  llm: LlmClient;
  chat: ChatService;
  attachments: AttachmentService;
  /** How requests prove who they are: the session secret, and the proxy header when one is trusted. */
  identity: IdentityOptions;
  /** False once the process has begun draining. */
  isAccepting(): boolean;
  /** True when the database answers. */
  checkDatabase(): Promise<boolean>;
  /** Whether Redis is connected; undefined on a single node (no REDIS_URL). */
  redisReady(): boolean | undefined;
  /** Each MCP_SERVERS server: connected, or not (never a reason to be unready). */
  mcpStatus(): Record<string, "ok" | "unavailable">;
};

// server.ts loads lib/ as plain Node modules while Next bundles route handlers
// and pages separately; both reach the same instances through globalThis.
const key = Symbol.for("switchboard.services");
type Holder = { [key]?: Services };

export function setServices(services: Services): void {
  (globalThis as Holder)[key] = services;
}

export function getServices(): Services {
  const services = (globalThis as Holder)[key];
  if (!services) {
    throw new Error("Switchboard services are not initialised: start the app through server.ts");
  }
  return services;
}
