import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { mcpToolNames, parseMcpGrant } from "@/lib/agents/tools/mcp-grants";
import { mcpToolsForRun, unofferedMcpGrants } from "@/lib/agents/tools/registry";
import { loadMcpConfig, McpConfigError, mcpSecretValues, parseMcpConfig } from "@/lib/llm/mcp-config";
import type { ToolDefinition } from "@/lib/llm/types";

describe("MCP_SERVERS", () => {
  it("reads stdio and HTTP servers", () => {
    const config = parseMcpConfig({
      mcpServers: {
        files: { command: "npx", args: ["-y", "server-files"], env: { TOKEN: "t" } },
        web: { url: "https://mcp.example.com/mcp", headers: { authorization: "Bearer x" } },
        legacy: { type: "sse", url: "http://localhost:8080/sse", requireApproval: true },
      },
    });
    expect(config).toEqual({
      files: { command: "npx", args: ["-y", "server-files"], env: { TOKEN: "t" } },
      web: { url: "https://mcp.example.com/mcp", headers: { authorization: "Bearer x" } },
      legacy: { type: "sse", url: "http://localhost:8080/sse", requireApproval: true },
    });
    expect(mcpSecretValues(config).sort()).toEqual(["Bearer x", "t"]);
  });

  it.each([
    [{}, /mcpServers/],
    [{ mcpServers: { files: {} } }, /mcpServers\.files: needs a command or a url/],
    [{ mcpServers: { files: { command: "a", url: "http://x" } } }, /not both/],
    [{ mcpServers: { files: { command: "" } } }, /mcpServers\.files\.command: command must not be empty/],
    [{ mcpServers: { files: { command: "a", args: "x" } } }, /mcpServers\.files\.args/],
    [{ mcpServers: { files: { command: "a", env: { A: 1 } } } }, /mcpServers\.files\.env\.A/],
    [{ mcpServers: { web: { url: "ftp://x" } } }, /mcpServers\.web\.url: url must start with http/],
    [{ mcpServers: { "a/b": { command: "a" } } }, /server names are/],
  ])("refuses %j, saying where", (raw, message) => {
    expect(() => parseMcpConfig(raw)).toThrow(McpConfigError);
    expect(() => parseMcpConfig(raw)).toThrow(message);
  });

  it("reads no file as no servers and names a file it cannot read or parse", () => {
    expect(loadMcpConfig(undefined)).toEqual({});
    const dir = mkdtempSync(join(tmpdir(), "mcp-unit-"));
    const broken = join(dir, "broken.json");
    writeFileSync(broken, "{ not json");
    expect(() => loadMcpConfig(broken)).toThrow(/cannot read .*broken\.json/);
    expect(() => loadMcpConfig(join(dir, "missing.json"))).toThrow(/cannot read/);
  });
});

describe("MCP grants and tool names", () => {
  it("reads mcp:<server> and mcp:<server>/<tool>", () => {
    expect(parseMcpGrant("mcp:files")).toEqual({ server: "files", tool: null });
    expect(parseMcpGrant("mcp:files/read_file")).toEqual({ server: "files", tool: "read_file" });
    expect(parseMcpGrant("calculator")).toBeNull();
    expect(parseMcpGrant("mcp:")).toBeNull();
  });

  it("keeps a tool's own name unless a built-in or another server of the run has it", () => {
    const names = mcpToolNames(
      [
        { server: "a", tool: "search" },
        { server: "b", tool: "search" },
        { server: "a", tool: "calculator" },
        { server: "b", tool: "fetch" },
        { server: "b", tool: "weird.name" },
      ],
      ["calculator", "current_time"],
    );
    expect(names).toEqual(["a_search", "b_search", "a_calculator", "fetch", "weird_name"]);
  });

  it("never gives two tools one name, even when a qualified name is already taken", () => {
    const names = mcpToolNames(
      [
        { server: "a", tool: "a_x" },
        { server: "a", tool: "x" },
        { server: "b", tool: "x" },
      ],
      [],
    );
    expect(new Set(names).size).toBe(3);
    expect(names).toEqual(["a_x", "a_x_2", "b_x"]);
  });

  const tool = (name: string): ToolDefinition => ({
    name,
    description: name,
    inputSchema: { jsonSchema: { type: "object" } },
    execute: async () => name,
  });

  it("gives a run only the granted tools, renamed, and the granted servers that are down", async () => {
    const source = {
      toolsFor: async () => ({
        tools: [
          { server: "a", definition: tool("calculator") },
          { server: "a", definition: tool("other") },
          { server: "b", definition: tool("fetch") },
        ],
        unavailable: ["c"],
      }),
    };
    const grants = ["mcp:a/calculator", "mcp:b", "mcp:c"].map((name) => ({ name, requireApproval: false }));
    const run = await mcpToolsForRun({ grants, source });
    expect(run.tools.map((t) => t.name)).toEqual(["a_calculator", "fetch"]);
    expect(
      await run.tools[0]?.execute({}, { abortSignal: new AbortController().signal, toolCallId: "1" }),
    ).toBe("calculator");
    expect(run.unavailable).toEqual(["c"]);
    expect(await mcpToolsForRun({ grants: [], source })).toEqual({ tools: [], unavailable: [] });
  });

  it("makes a call wait for approval when its grant or its server asks for it", async () => {
    const source = {
      toolsFor: async () => ({
        tools: [
          { server: "a", definition: tool("read") },
          { server: "a", definition: tool("write") },
          { server: "b", definition: { ...tool("deploy"), requireApproval: true } },
        ],
        unavailable: [],
      }),
    };
    const grants = [
      { name: "mcp:a/read", requireApproval: false },
      { name: "mcp:a/write", requireApproval: true },
      { name: "mcp:b", requireApproval: false },
    ];
    const run = await mcpToolsForRun({ grants, source });
    expect(run.tools.map((t) => [t.name, t.requireApproval])).toEqual([
      ["read", false],
      ["write", true],
      ["deploy", true],
    ]);
  });

  it("finds grants of tools a connected server does not offer", () => {
    const agents = [
      {
        id: "x",
        tools: ["mcp:a/there", "mcp:a/missing", "mcp:down/any"].map((name) => ({
          name,
          requireApproval: false,
        })),
      },
    ];
    const offered = (server: string) => (server === "a" ? ["there"] : null);
    expect(unofferedMcpGrants(agents, offered)).toEqual([{ agentId: "x", grant: "mcp:a/missing" }]);
  });
});
