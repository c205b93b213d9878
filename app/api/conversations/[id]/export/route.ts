import { exportResponse } from "@/lib/chat/export";
import { requireUserId, route } from "@/lib/http/route";
import { getServices } from "@/lib/services";
import { allBranchesAsked, type ConversationContext, conversationIdOf, exportFormatOf } from "../../schemas";

export const dynamic = "force-dynamic";

/**
 * The conversation as a file to keep, for its owner: `?format=md` (the
 * default) or `?format=json`, the active path; `&branches=all` adds every
 * other branch to the JSON.
 */
export const GET = route(async (request: Request, context: ConversationContext) => {
  const userId = requireUserId(request);
  const id = await conversationIdOf(context);
  const format = exportFormatOf(request);
  const branches = allBranchesAsked(request);
  const { chat } = getServices();
  const conversation = await chat.exportConversation({ userId, conversationId: id });
  const names = new Map(chat.listAgents().map((agent) => [agent.id, agent.name]));
  return exportResponse(conversation, format, {
    agentName: (agentId) => names.get(agentId) ?? agentId,
    branches,
  });
});
