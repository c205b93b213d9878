import { createGatewayClient, type GatewayClientOptions } from "../../lib/llm/gateway";
import type { FakeGateway } from "../fixtures/fake-gateway";

/** The gateway client against a fake gateway, with timeouts and backoff short enough for tests. */
export function testGatewayClient(gateway: FakeGateway, overrides: Partial<GatewayClientOptions> = {}) {
  return createGatewayClient({
    kind: "gateway",
    baseURL: gateway.baseUrl,
    streaming: "auto",
    firstTokenTimeoutMs: 3_000,
    chunkTimeoutMs: 2_000,
    maxRetries: 2,
    retryBaseDelayMs: 40,
    ...overrides,
  });
}
