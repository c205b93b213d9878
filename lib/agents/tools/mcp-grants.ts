import type { ToolDefinition } from "../../llm/types";

/** A grant of an MCP server's tools: every tool (`mcp:<server>`) or one (`mcp:<server>/<tool>`). */
export type McpGrant = { server: string; tool: string | null; requireApproval?: boolean };

/** One tool an MCP server offers, its definition named as the server names it. */
export type McpTool = { server: string; definition: ToolDefinition };

/** Where the MCP tools of a run come from (lib/llm/mcp.ts). */
export type McpToolSource = {
  /**
   * The tools these grants give, from the servers that are up (a server that
   * died is restarted first when its backoff allows); the servers that are not
   * up are listed in `unavailable`.
   */
  toolsFor(grants: readonly McpGrant[]): Promise<{ tools: McpTool[]; unavailable: string[] }>;
};

const grantPattern = /^mcp:([^/]+)(?:\/(.+))?$/;

/** The MCP grant a roster tool name stands for, or null when it names no MCP server. */
export function parseMcpGrant(name: string): McpGrant | null {
  const match = grantPattern.exec(name);
  if (!match?.[1]) return null;
  return { server: match[1], tool: match[2] ?? null };
}

const covers = (grant: McpGrant, server: string, tool: string) =>
  grant.server === server && (grant.tool === null || grant.tool === tool);

/** Whether a tool an MCP server offers falls under the grants. */
export function isGranted(grants: readonly McpGrant[], server: string, tool: string): boolean {
  return grants.some((grant) => covers(grant, server, tool));
}

/** Whether a grant covering this tool asks for the owner's approval of each call. */
export function grantRequiresApproval(grants: readonly McpGrant[], server: string, tool: string): boolean {
  return grants.some((grant) => grant.requireApproval === true && covers(grant, server, tool));
}

const MAX_NAME = 64;
const toModelName = (name: string) => name.replace(/[^A-Za-z0-9_-]/g, "_").slice(0, MAX_NAME);

/**
 * The names the model sees for a run's MCP tools, in order. A tool keeps its
 * own name unless that name is reserved (a built-in tool's) or another server
 * of the same run offers a tool of that name: then it is `<server>_<tool>`.
 * Characters a model API refuses become `_`, and a name still taken gets
 * `_2`, `_3`…
 */
export function mcpToolNames(
  tools: ReadonlyArray<{ server: string; tool: string }>,
  reserved: readonly string[],
): string[] {
  const servers = new Map<string, Set<string>>();
  for (const { server, tool } of tools) servers.set(tool, (servers.get(tool) ?? new Set()).add(server));
  const taken = new Set(reserved);
  return tools.map(({ server, tool }) => {
    const clashes = taken.has(tool) || (servers.get(tool)?.size ?? 0) > 1;
    const base = toModelName(clashes ? `${server}_${tool}` : tool);
    let name = base;
    for (let n = 2; taken.has(name); n++) name = `${base.slice(0, MAX_NAME - String(n).length - 1)}_${n}`;
    taken.add(name);
    return name;
  });
}
