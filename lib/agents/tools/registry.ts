import type { ToolDefinition } from "../../llm/types";
import { type Colleague, type Consult, createAskAgentTool } from "./ask-agent";
import { calculatorTool } from "./calculator";
import { createCurrentTimeTool } from "./current-time";
import {
  grantRequiresApproval,
  isGranted,
  type McpGrant,
  type McpToolSource,
  mcpToolNames,
  parseMcpGrant,
} from "./mcp-grants";
import { createSearchConversationsTool, type SearchMessages } from "./search-conversations";

/** The tools built into Switchboard, granted by name in the roster. */
export const builtInToolNames = ["calculator", "current_time", "search_conversations", "ask_agent"] as const;
export type BuiltInToolName = (typeof builtInToolNames)[number];

/** One tool an agent may call, as the roster grants it. */
export type ToolGrant = { name: string; requireApproval: boolean };

export function isBuiltInTool(name: string): name is BuiltInToolName {
  return (builtInToolNames as readonly string[]).includes(name);
}

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
  if (!mcp && !isBuiltInTool(name)) {
    return `agent "${agentId}" is granted an unknown tool "${name}" (available: ${builtInToolNames.join(", ")})`;
  }
  return null;
}

/** What the built-in tools need from the rest of the server. */
export type ToolServices = {
  searchMessages: SearchMessages;
  /** The owner of a conversation; null when it is gone. */
  ownerOf(conversationId: string): Promise<string | null>;
};

/** What `ask_agent` needs in one run: who asks, whom it may ask, and how a nested answer runs. */
export type AskAgentContext = { self: Colleague; roster: readonly Colleague[]; consult: Consult };

/**
 * The tools of one run, bound to its conversation: search_conversations
 * searches only the conversations of that conversation's owner; ask_agent is
 * offered only with `askAgent` (absent once agents have asked as deep as
 * they may). A grant's `requireApproval` goes with its tool.
 */
export async function toolsForRun(input: {
  grants: readonly ToolGrant[];
  conversationId: string;
  services: ToolServices;
  askAgent?: AskAgentContext | null;
}): Promise<ToolDefinition[]> {
  const tools: ToolDefinition[] = [];
  for (const { name, requireApproval } of input.grants) {
    const tool = await builtInTool(name, input);
    if (tool) tools.push(requireApproval ? { ...tool, requireApproval } : tool);
  }
  return tools;
}

async function builtInTool(
  name: string,
  input: { conversationId: string; services: ToolServices; askAgent?: AskAgentContext | null },
): Promise<ToolDefinition | null> {
  switch (name) {
    case "calculator":
      return calculatorTool;
    case "current_time":
      return createCurrentTimeTool();
    case "search_conversations": {
      const ownerId = await input.services.ownerOf(input.conversationId);
      return ownerId
        ? createSearchConversationsTool({ ownerId, search: input.services.searchMessages })
        : null;
    }
    case "ask_agent":
      return input.askAgent ? createAskAgentTool(input.askAgent) : null;
    default:
      return null;
  }
}

/** The MCP grants among an agent's tool grants. */
export function mcpGrantsOf(grants: readonly ToolGrant[]): McpGrant[] {
  return grants.flatMap(({ name, requireApproval }) => {
    const grant = parseMcpGrant(name);
    return grant ? [{ ...grant, requireApproval }] : [];
  });
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
    builtInToolNames,
  );
  return {
    tools: granted.map(({ server, definition }, index) => ({
      ...definition,
      name: names[index] ?? definition.name,
      requireApproval: definition.requireApproval || grantRequiresApproval(grants, server, definition.name),
    })),
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
