import { randomUUID } from "node:crypto";
import { parseBody, requireUserId, route } from "@/lib/http/route";
import { getServices } from "@/lib/services";
import { type ConversationContext, conversationIdOf, postMessageSchema } from "../../schemas";

export const dynamic = "force-dynamic";

/** Starts the agents' answers; their tokens flow to the conversation's room over Socket.IO. */
export const POST = route(async (request: Request, context: ConversationContext) => {
  const userId = requireUserId(request);
  const id = await conversationIdOf(context);
  const body = await parseBody(request, postMessageSchema);
  const result = await getServices().chat.sendMessage({
    userId,
    conversationId: id,
    text: body.text,
    agentIds: body.agentIds,
    mode: body.mode,
    attachmentIds: body.attachmentIds,
    clientMessageId: body.clientMessageId ?? randomUUID(),
  });
  return Response.json({ ok: true, ...result }, { status: 202 });
});
