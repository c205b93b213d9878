import { parseBody, requireUserId, route } from "@/lib/http/route";
import { getServices } from "@/lib/services";
import { type ConversationContext, cancelSchema, conversationIdOf } from "../../schemas";

export const dynamic = "force-dynamic";

export const POST = route(async (request: Request, context: ConversationContext) => {
  const userId = requireUserId(request);
  const id = await conversationIdOf(context);
  const { messageId } = await parseBody(request, cancelSchema);
  const result = await getServices().chat.cancel({ userId, conversationId: id, messageId });
  return Response.json({ ok: true, ...result });
});
