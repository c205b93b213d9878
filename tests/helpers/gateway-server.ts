import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FakeGateway } from "../fixtures/fake-gateway";
import { type ServerProcess, startServerProcess } from "./server-process";

/** Writes an AGENTS_FILE roster to a directory of its own and returns its path. */
export function writeAgentsFile(agents: object[]): string {
  const file = join(mkdtempSync(join(tmpdir(), "agents-")), "agents.json");
  writeFileSync(file, JSON.stringify({ agents }));
  return file;
}

export type GatewayServer = { gateway: FakeGateway; server: ServerProcess; stop(): Promise<void> };

/**
 * The real server in front of a fake gateway of its own, answering as
 * `fake-model`, with the given roster (AGENTS_FILE) and environment.
 */
export async function startServerWithGateway(
  options: { agents?: object[]; env?: Record<string, string> } = {},
): Promise<GatewayServer> {
  const gateway = await FakeGateway.start();
  const server = await startServerProcess({
    env: {
      LLM_BASE_URL: gateway.baseUrl,
      LLM_MODEL: "fake-model",
      ...(options.agents && { AGENTS_FILE: writeAgentsFile(options.agents) }),
      ...options.env,
    },
  });
  return {
    gateway,
    server,
    async stop() {
      await server.stop();
      await gateway.close();
    },
  };
}
