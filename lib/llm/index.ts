export { createDemoClient, DEMO_LABEL, DEMO_MODEL_ID, DemoLanguageModel, type DemoPace } from "./demo-model";
export { createGatewayClient, displayUrl, type GatewayClientOptions } from "./gateway";
export { probeOllama, resolveLlmClient } from "./resolve";
export type { StreamingMode } from "./stream";
export * from "./types";
