import { parseBody, publicOrigin, requireUserId, route } from "@/lib/http/route";
import { getServices } from "@/lib/services";
import {
  allBranchesAsked,
  type ConversationContext,
  conversationIdOf,
  updateConversationSchema,
} from "../schemas";

export const dynamic = "force-dynamic";

/** The active path as `messages`; with `?branches=all`, every other branch's messages as `otherBranches`. */
export const GET = route(async (request: Request, context: ConversationContext) => {
  const userId = requireUserId(request);
  const id = await conversationIdOf(context);
  const { otherBranches, ...conversation } = await getServices().chat.getConversation({
    userId,
    conversationId: id,
  });
  return Response.json(allBranchesAsked(request) ? { ...conversation, otherBranches } : conversation);
});

export const PATCH = route(async (request: Request, context: ConversationContext) => {
  const userId = requireUserId(request);
  const id = await conversationIdOf(context);
  const body = await parseBody(request, updateConversationSchema);
  const updated = await getServices().chat.updateConversation({ userId, conversationId: id, ...body });
  const shareUrl = updated.shareUrl ? new URL(updated.shareUrl, publicOrigin(request)).toString() : null;
  return Response.json({ ...updated, shareUrl });
});

export const DELETE = route(async (request: Request, context: ConversationContext) => {
  const userId = requireUserId(request);
  const id = await conversationIdOf(context);
  await getServices().chat.deleteConversation({ userId, conversationId: id });
  return new Response(null, { status: 204 });
});
