import { test as base, expect } from "@playwright/test";
import { FakeGateway } from "../fixtures/fake-gateway";
import { type ServerProcess, startServerProcess } from "../helpers/server-process";
import { ChatPage } from "./pages/chat-page";

type WorkerFixtures = {
  gateway: FakeGateway;
  server: ServerProcess;
  /** Extra environment for the server; a spec file sets it with test.use() and gets a server of its own. */
  serverEnv: Record<string, string>;
};
type TestFixtures = { chat: ChatPage; pageErrors: string[] };

export const test = base.extend<TestFixtures, WorkerFixtures>({
  gateway: [
    // biome-ignore lint/correctness/noEmptyPattern: Playwright reads fixture dependencies from this pattern
    async ({}, use) => {
      const gateway = await FakeGateway.start();
      await use(gateway);
      await gateway.close();
    },
    { scope: "worker" },
  ],
  serverEnv: [{}, { scope: "worker", option: true }],
  server: [
    async ({ gateway, serverEnv }, use) => {
      const server = await startServerProcess({
        env: { LLM_BASE_URL: gateway.baseUrl, LLM_MODEL: "fake-model", ...serverEnv },
      });
      await use(server);
      await server.stop();
    },
    { scope: "worker", timeout: 120_000 },
  ],
  baseURL: async ({ server }, use) => {
    await use(server.url);
  },
  // A hydration mismatch or an uncaught exception fails the test even when the page looks right.
  pageErrors: [
    async ({ page }, use) => {
      const errors: string[] = [];
      page.on("pageerror", (error) => errors.push(`pageerror: ${error.message}`));
      page.on("console", (message) => {
        if (message.type() === "error")
          errors.push(`console.error: ${message.text()} (${message.location().url})`);
      });
      await use(errors);
      expect(errors, "errors in the browser").toEqual([]);
    },
    { auto: true },
  ],
  chat: async ({ page, gateway }, use) => {
    gateway.reset();
    await use(new ChatPage(page));
  },
});

/** Takes out of `pageErrors` the entries a test expects (a refusal Chromium reports on the console). */
export function expectConsoleErrors(pageErrors: string[], expected: RegExp): void {
  const unexpected = pageErrors.filter((entry) => !expected.test(entry));
  pageErrors.splice(0, pageErrors.length, ...unexpected);
}

export { expect };
