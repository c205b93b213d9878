import type { ToolDefinition } from "../../llm/types";
import { calculatorTool } from "./calculator";
import { createCurrentTimeTool } from "./current-time";
import { isGranted, type McpGrant, type McpToolSource, mcpToolNames, parseMcpGrant } from "./mcp-grants";
import { createSearchConversationsTool, type SearchMessages } from "./search-conversations";

/** The tools built into Switchboard, granted by name in the roster. */
export const builtInToolNames = ["calculator", "current_time", "search_conversations"] as const;
export type BuiltInToolName = (typeof builtInToolNames)[number];

/** One tool an agent may call, as the roster grants it. */
export type ToolGrant = { name: string; requireApproval: boolean };

export function isBuiltInTool(name: string): name is BuiltInToolName {
  return (builtInToolNames as readonly string[]).includes(name);
}

/** Names the model never sees on an MCP tool: the built-in tools', present and planned. */
const reservedToolNames: readonly string[] = [...builtInToolNames, "ask_agent"];

/**
 * Why the roster may not grant this tool, or null when it may. `mcpServers`
 * are the servers of MCP_SERVERS; whether a granted MCP tool exists is known
 * only once its server is connected.
 */
export function grantRefusal(
  agentId: string,
  grant: ToolGrant,
  mcpServers: readonly string[] = [],
): string | null {
  const { name } = grant;
  const mcp = parseMcpGrant(name);
  if (name.startsWith("mcp:") && !mcp) {
    return `agent "${agentId}" is granted "${name}": MCP grants read "mcp:<server>" or "mcp:<server>/<tool>"`;
  }
  if (mcp && !mcpServers.includes(mcp.server)) {
    const known = mcpServers.length > 0 ? `configured: ${mcpServers.join(", ")}` : "MCP_SERVERS names none";
    return `agent "${agentId}" is granted "${name}", but no MCP server "${mcp.server}" is configured (${known})`;
  }
  if (name === "ask_agent") {
    return `agent "${agentId}" is granted the tool "${name}", which is not available yet`;
  }
  if (!mcp && !isBuiltInTool(name)) {
    return `agent "${agentId}" is granted an unknown tool "${name}" (available: ${builtInToolNames.join(", ")})`;
  }
  if (grant.requireApproval) {
    return `agent "${agentId}": requireApproval on the tool "${name}" is not available yet (remove it to grant the tool without approval)`;
  }
  return null;
}

/** What the built-in tools need from the rest of the server. */
export type ToolServices = {
  searchMessages: SearchMessages;
  /** The owner of a conversation; null when it is gone. */
  ownerOf(conversationId: string): Promise<string | null>;
};

/**
 * The tools of one run, bound to its conversation: search_conversations
 * searches only the conversations of that conversation's owner.
 */
export async function toolsForRun(input: {
  grants: readonly ToolGrant[];
  conversationId: string;
  services: ToolServices;
}): Promise<ToolDefinition[]> {
  const tools: ToolDefinition[] = [];
  for (const { name } of input.grants) {
    if (name === "calculator") tools.push(calculatorTool);
    else if (name === "current_time") tools.push(createCurrentTimeTool());
    else if (name === "search_conversations") {
      const ownerId = await input.services.ownerOf(input.conversationId);
      if (ownerId)
        tools.push(createSearchConversationsTool({ ownerId, search: input.services.searchMessages }));
    }
  }
  return tools;
}

/** The MCP grants among an agent's tool grants. */
export function mcpGrantsOf(grants: readonly ToolGrant[]): McpGrant[] {
  return grants.flatMap(({ name }) => parseMcpGrant(name) ?? []);
}

/**
 * The MCP tools of one run, named so that no two tools of the run share a
 * name (see mcpToolNames), with the granted servers that are unavailable.
 */
export async function mcpToolsForRun(input: {
  grants: readonly ToolGrant[];
  source: McpToolSource | undefined;
}): Promise<{ tools: ToolDefinition[]; unavailable: string[] }> {
  const grants = mcpGrantsOf(input.grants);
  if (grants.length === 0 || !input.source) return { tools: [], unavailable: [] };
  const offered = await input.source.toolsFor(grants);
  const granted = offered.tools.filter(({ server, definition }) =>
    isGranted(grants, server, definition.name),
  );
  const names = mcpToolNames(
    granted.map(({ server, definition }) => ({ server, tool: definition.name })),
    reservedToolNames,
  );
  return {
    tools: granted.map(({ definition }, index) => ({ ...definition, name: names[index] ?? definition.name })),
    unavailable: offered.unavailable,
  };
}

/**
 * The `mcp:<server>/<tool>` grants whose server is connected but offers no
 * such tool (`offered` gives null for a server that is not connected).
 */
export function unofferedMcpGrants(
  agents: ReadonlyArray<{ id: string; tools?: readonly ToolGrant[] }>,
  offered: (server: string) => string[] | null,
): Array<{ agentId: string; grant: string }> {
  return agents.flatMap((agent) =>
    (agent.tools ?? []).flatMap(({ name }) => {
      const grant = parseMcpGrant(name);
      if (!grant?.tool) return [];
      const tools = offered(grant.server);
      return tools && !tools.includes(grant.tool) ? [{ agentId: agent.id, grant: name }] : [];
    }),
  );
}
