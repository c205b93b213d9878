import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { McpManager, TOOL_LIST_MAX_AGE_MS } from "@/lib/llm/mcp";
import { createLogger } from "@/lib/logger";

const fixture = new URL("../fixtures/mcp-server.ts", import.meta.url).pathname;
const grants = [{ server: "test", tool: null }];

let clock = Date.now();
const lines: Array<Record<string, unknown>> = [];
const logger = createLogger({
  level: "debug",
  destination: { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) },
});
const manager = new McpManager(
  { test: { command: process.execPath, args: ["--import", "tsx", fixture] } },
  { logger, now: () => clock },
);

beforeAll(async () => {
  await manager.start();
}, 30_000);
afterAll(async () => {
  await manager.close();
});

const namesNow = async () =>
  (await manager.toolsFor(grants)).tools.map((tool) => tool.definition.name).sort();

describe("a stdio MCP server kept by the manager", () => {
  it("has its tool list read again once it is older than the limit, so tools added while it runs are offered", async () => {
    expect(await namesNow()).toEqual(["add_tool", "crash", "reverse_text", "wait"]);
    const add = (await manager.toolsFor(grants)).tools.find((tool) => tool.definition.name === "add_tool");
    const output = await add?.definition.execute(
      { name: "late_tool" },
      { abortSignal: new AbortController().signal, toolCallId: "call_add" },
    );
    expect(output).toBe("offered late_tool");

    // Within the limit the list read at start-up still serves…
    clock += TOOL_LIST_MAX_AGE_MS - 1_000;
    expect(await namesNow()).not.toContain("late_tool");
    // …and past it the first run that needs the server reads it again.
    clock += 2_000;
    expect(await namesNow()).toEqual(["add_tool", "crash", "late_tool", "reverse_text", "wait"]);
    const late = (await manager.toolsFor(grants)).tools.find((tool) => tool.definition.name === "late_tool");
    expect(
      await late?.definition.execute(
        {},
        { abortSignal: new AbortController().signal, toolCallId: "call_late" },
      ),
    ).toBe("added");
    expect(manager.status()).toEqual({ test: "ok" });
  });

  it("writes the server's stderr to the log a line at a time, each line bounded", () => {
    const stderr = lines.filter((line) => line.msg === "mcp server stderr");
    expect(stderr.map((line) => line.mcpServer)).toEqual(["test", "test"]);
    expect(stderr[0]?.line).toBe("switchboard-test MCP server on stdio");
    expect(stderr[1]?.line).toBe("x".repeat(1_000));
  });
});
