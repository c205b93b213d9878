import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "./fixtures";

// An agent whose tool really runs for a while on the server: the test MCP server's `wait`.
const dir = mkdtempSync(join(tmpdir(), "switchboard-tool-join-"));
const fixture = new URL("../fixtures/mcp-server.ts", import.meta.url).pathname;
writeFileSync(
  join(dir, "mcp.json"),
  JSON.stringify({ mcpServers: { test: { command: process.execPath, args: ["--import", "tsx", fixture] } } }),
);
writeFileSync(
  join(dir, "agents.json"),
  JSON.stringify([
    { id: "waiter", name: "Waiter", systemPrompt: "Wait, then answer.", tools: ["mcp:test/wait"] },
  ]),
);
test.use({ serverEnv: { AGENTS_FILE: join(dir, "agents.json"), MCP_SERVERS: join(dir, "mcp.json") } });

const REASONING = ["I", " should", " wait", " first."];
const ANSWER = Array.from({ length: 12 }, (_, i) => (i === 0 ? "Done waiting" : ` w${i}`));

test("a viewer who opens the share page while a tool runs sees the reasoning and the running call, then its result and the answer", async ({
  chat,
  gateway,
  browser,
  baseURL,
}, testInfo) => {
  gateway.enqueue(
    {
      reasoning: REASONING,
      // Long enough for the share page to open mid-call on a loaded machine.
      toolCalls: [{ id: "call_wait", name: "wait", arguments: '{"ms":8000}' }],
      tokenDelayMs: 40,
    },
    { tokens: ANSWER, tokenDelayMs: 60 },
  );
  await chat.openNewChat();
  await chat.send("Take your time.");
  const card = chat.lastAnswer().toolCard("wait");
  await expect(card.status).toHaveText("Running wait…");

  const viewer = await chat.openAsViewer(browser, baseURL);
  const shared = viewer.locator('[data-testid="message"][data-role="assistant"]').last();
  const sharedCard = shared.locator('[data-testid="tool-call"][data-tool-name="wait"]');
  // Joined mid-call: the server's snapshot has the reasoning and the call, still running.
  await expect(shared).toHaveAttribute("data-status", "streaming");
  await expect(sharedCard).toHaveAttribute("data-state", "input-available");
  await expect(sharedCard.getByTestId("tool-status")).toHaveText("Running wait…");
  await expect(shared.getByTestId("reasoning-text")).toHaveText(REASONING.join(""));
  await viewer.screenshot({ path: testInfo.outputPath("0-joined-mid-call.png") });

  // Then the call ends and the answer streams, live on both pages.
  await expect(sharedCard.getByTestId("tool-output")).toHaveText("waited", { timeout: 15_000 });
  await expect(shared).toHaveAttribute("data-status", "complete", { timeout: 15_000 });
  await expect(shared.getByTestId("streaming-text")).toHaveText(ANSWER.join(""));
  await expect(card.output).toHaveText("waited");
  await expect(chat.lastAnswer().text).toHaveText(ANSWER.join(""));
  await viewer.screenshot({ path: testInfo.outputPath("1-answered.png") });
  await viewer.context().close();
});

test("Stop during a running tool ends the answer at once, keeps the call as stopped, and a reload shows the same", async ({
  chat,
  gateway,
  page,
}, testInfo) => {
  gateway.enqueue(
    { tokens: ["Let me wait."], toolCalls: [{ id: "call_long", name: "wait", arguments: '{"ms":20000}' }] },
    { tokens: ["Never", " shown."] },
  );
  const requestsBefore = gateway.requests.length;
  await chat.openNewChat();
  await chat.send("Wait a long time.");
  const answer = chat.lastAnswer();
  const card = answer.toolCard("wait");
  await expect(card.status).toHaveText("Running wait…");

  const stoppedAt = await chat.stop();
  await expect(answer.root).toHaveAttribute("data-status", "cancelled");
  expect(Date.now() - stoppedAt).toBeLessThan(2_000);
  await expect(card.status).toHaveText("Stopped");
  await expect(answer.text).toHaveText("Let me wait.");
  await chat.screenshot(testInfo, "stopped");

  await page.reload();
  const reloaded = chat.lastAnswer();
  await expect(reloaded.root).toHaveAttribute("data-status", "cancelled");
  await expect(reloaded.toolCard("wait").status).toHaveText("Stopped");
  await expect(reloaded.text).toHaveText("Let me wait.");
  // The model was never asked again after the stopped call.
  expect(gateway.requests.length - requestsBefore).toBe(1);
});
