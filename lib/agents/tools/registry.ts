import type { ToolDefinition } from "../../llm/types";
import { calculatorTool } from "./calculator";
import { createCurrentTimeTool } from "./current-time";
import { createSearchConversationsTool, type SearchMessages } from "./search-conversations";

/** The tools built into Switchboard, granted by name in the roster. */
export const builtInToolNames = ["calculator", "current_time", "search_conversations"] as const;
export type BuiltInToolName = (typeof builtInToolNames)[number];

/** One tool an agent may call, as the roster grants it. */
export type ToolGrant = { name: string; requireApproval: boolean };

export function isBuiltInTool(name: string): name is BuiltInToolName {
  return (builtInToolNames as readonly string[]).includes(name);
}

/** Why the roster may not grant this tool, or null when it may. */
export function grantRefusal(agentId: string, grant: ToolGrant): string | null {
  const { name } = grant;
  if (name === "ask_agent" || name.startsWith("mcp:")) {
    return `agent "${agentId}" is granted the tool "${name}", which is not available yet`;
  }
  if (!isBuiltInTool(name)) {
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
