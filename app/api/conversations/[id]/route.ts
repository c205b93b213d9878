import { parseBody, publicOrigin, requireUserId, route } from "@/lib/http/route";
import { getServices } from "@/lib/services";
import { type ConversationContext, updateConversationSchema } from "../schemas";

export const dynamic = "force-dynamic";

export const GET = route(async (request: Request, { params }: ConversationContext) => {
  const userId = requireUserId(request);
  const { id } = await params;
  return Response.json(await getServices().chat.getConversation({ userId, conversationId: id }));
});

export const PATCH = route(async (request: Request, { params }: ConversationContext) => {
  const userId = requireUserId(request);
  const { id } = await params;
  const body = await parseBody(request, updateConversationSchema);
  const updated = await getServices().chat.updateConversation({ userId, conversationId: id, ...body });
  const shareUrl = updated.shareUrl ? new URL(updated.shareUrl, publicOrigin(request)).toString() : null;
  return Response.json({ ...updated, shareUrl });
});

export const DELETE = route(async (request: Request, { params }: ConversationContext) => {
  const userId = requireUserId(request);
  const { id } = await params;
  await getServices().chat.deleteConversation({ userId, conversationId: id });
  return new Response(null, { status: 204 });
});
