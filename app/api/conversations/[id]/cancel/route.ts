import { parseBody, requireUserId, route } from "@/lib/http/route";
import { getServices } from "@/lib/services";
import { type ConversationContext, cancelSchema } from "../../schemas";

export const dynamic = "force-dynamic";

export const POST = route(async (request: Request, { params }: ConversationContext) => {
  const userId = requireUserId(request);
  const { id } = await params;
  const { messageId } = await parseBody(request, cancelSchema);
  const result = await getServices().chat.cancel({ userId, conversationId: id, messageId });
  return Response.json({ ok: true, ...result });
});
