import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AgentProcessingCompleteEvent, AgentProcessingErrorEvent, Conversation } from "@/lib/protocol";
import { FakeGateway } from "../fixtures/fake-gateway";
import { serverBackends } from "../helpers/backends";
import { connect, connected, expectOk, newSession, recordEvents, request } from "../helpers/client";
import { startServerProcess } from "../helpers/server-process";

let gateway: FakeGateway;
beforeAll(async () => {
  gateway = await FakeGateway.start();
});
afterAll(() => gateway?.close());

describe.each(serverBackends)("graceful stop on $name", (backend) => {
  it("lets a short run finish, stores a long one as interrupted with its text, and exits 0", async () => {
    const { env, tearDown } = await backend.setUp();
    try {
      gateway.reset();
      const serverEnv = {
        ...env,
        LLM_BASE_URL: gateway.baseUrl,
        LLM_MODEL: "fake-model",
        SHUTDOWN_GRACE_MS: "1500",
      };
      const server = await startServerProcess({ env: serverEnv, dataDir: env.DATA_DIR });
      const { cookie } = await newSession(server.url);
      const socket = connect(server.url, cookie);
      await connected(socket);
      const events = recordEvents(socket);

      const longTokens = Array.from({ length: 400 }, (_, i) => ` long${i}`);
      const shortTokens = Array.from({ length: 10 }, (_, i) => ` short${i}`);
      gateway.enqueue({ tokens: longTokens, tokenDelayMs: 20 });
      const long = expectOk(await request(socket, "send_message", { text: "Long", clientMessageId: "long" }));
      const longId = long.runs[0]?.messageId ?? "";
      await events.waitFor(
        () => events.forMessage(longId).filter((e) => e.name === "agent_processing_update").length >= 5,
      );
      gateway.enqueue({ tokens: shortTokens, tokenDelayMs: 50 });
      const short = expectOk(
        await request(socket, "send_message", { text: "Short", clientMessageId: "short" }),
      );
      const shortId = short.runs[0]?.messageId ?? "";
      await events.waitFor(() => events.forMessage(shortId).length > 0);

      const exitCode = await server.stop("SIGTERM");
      expect(exitCode).toBe(0);
      const shortEnd = (await events.terminalOf(shortId)) as AgentProcessingCompleteEvent;
      expect(shortEnd.text).toBe(shortTokens.join(""));
      const longEnd = (await events.terminalOf(longId)) as AgentProcessingErrorEvent;
      expect(longEnd.error.code).toBe("interrupted");
      expect(longEnd.partialText.length).toBeGreaterThan(0);
      expect(longTokens.join("").startsWith(longEnd.partialText)).toBe(true);
      await gateway.requests[0]?.closed;
      expect(gateway.requests[0]?.clientClosedAt).toBeDefined();
      socket.disconnect();

      const restarted = await startServerProcess({ env: serverEnv, dataDir: env.DATA_DIR });
      try {
        const read = async (id: string) =>
          (await (
            await fetch(`${restarted.url}/api/conversations/${id}`, { headers: { cookie } })
          ).json()) as Conversation;
        expect((await read(long.conversationId)).messages[1]).toMatchObject({
          status: "interrupted",
          text: longEnd.partialText,
        });
        expect((await read(short.conversationId)).messages[1]).toMatchObject({
          status: "complete",
          text: shortEnd.text,
        });
      } finally {
        await restarted.stop();
      }
    } finally {
      await tearDown();
    }
  });
});

describe("start-up configuration", () => {
  it.each([
    ["LLM_STREAMING", "sometimes"],
    ["LLM_BASE_URL", "localhost:4000"],
    ["DATABASE_URL", "mysql://db"],
  ])("refuses a bad %s with one line naming it", async (variable, value) => {
    const failed = startServerProcess({ env: { [variable]: value }, timeoutMs: 20_000 });
    await expect(failed).rejects.toThrow(
      new RegExp(`exited with 1[\\s\\S]*Invalid environment variable ${variable}`),
    );
  });
});
