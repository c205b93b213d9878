import http from "node:http";
import type { AddressInfo } from "node:net";
import { Writable } from "node:stream";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseEnv } from "../../lib/env";
import { resolveLlmClient } from "../../lib/llm/resolve";
import { FakeGateway } from "../fixtures/fake-gateway";

let gateway: FakeGateway;
let silent: http.Server;
let silentUrl: string;
let closedUrl: string;

beforeAll(async () => {
  gateway = await FakeGateway.start();
  // Accepts connections and never answers: an Ollama port that hangs.
  silent = http.createServer(() => {});
  await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
  silentUrl = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
  const closed = await FakeGateway.start();
  closedUrl = closed.baseUrl.replace(/\/v1$/, "");
  await closed.close();
});

afterAll(async () => {
  await gateway.close();
  silent.closeAllConnections();
  await new Promise((resolve) => silent.close(resolve));
});

function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: "info" }, sink), lines };
}

describe("resolveLlmClient", () => {
  it("uses LLM_BASE_URL as a gateway and logs one line without the key", async () => {
    const { logger, lines } = capturingLogger();
    const env = parseEnv({
      LLM_BASE_URL: gateway.baseUrl,
      LLM_API_KEY: "sk-very-secret",
      LLM_MODEL: "fake-model",
    });
    const client = await resolveLlmClient(env, logger);
    expect(client.kind).toBe("gateway");
    expect(client.label).toBe(`LLM gateway at ${gateway.baseUrl}`);
    expect(await client.defaultModel()).toBe("fake-model");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 30,
      llm: { kind: "gateway", baseUrl: gateway.baseUrl, defaultModel: "fake-model" },
    });
    expect(JSON.stringify(lines)).not.toContain("sk-very-secret");
  });

  it("uses a local Ollama when one answers, through its /v1 API", async () => {
    const { logger, lines } = capturingLogger();
    const ollamaUrl = gateway.baseUrl.replace(/\/v1$/, "");
    const client = await resolveLlmClient(parseEnv({ OLLAMA_BASE_URL: ollamaUrl }), logger);
    expect(client.kind).toBe("ollama");
    expect(client.label).toBe(`Ollama at ${ollamaUrl}`);
    const deltas: string[] = [];
    const result = await client.stream({
      modelId: await client.defaultModel(),
      system: "",
      messages: [{ role: "user", content: "hi" }],
      abortSignal: new AbortController().signal,
      onDelta: (delta) => deltas.push(delta),
    });
    expect(result.text).toBe(deltas.join(""));
    expect(gateway.requests.at(-1)?.path).toBe("/v1/chat/completions");
    expect(lines).toHaveLength(1);
  });

  it("falls back to the demo model when nothing listens at OLLAMA_BASE_URL", async () => {
    const { logger, lines } = capturingLogger();
    const client = await resolveLlmClient(parseEnv({ OLLAMA_BASE_URL: closedUrl }), logger);
    expect(client.kind).toBe("demo");
    expect(client.label).toBe("Demo model (offline)");
    expect(lines).toHaveLength(1);
    expect(lines[0]?.msg).toContain("Demo model (offline)");
  });

  it("gives a hanging Ollama one second before choosing the demo model", async () => {
    const started = Date.now();
    const client = await resolveLlmClient(parseEnv({ OLLAMA_BASE_URL: silentUrl }), capturingLogger().logger);
    expect(client.kind).toBe("demo");
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
