import { parseBody, requireUserId, route } from "@/lib/http/route";
import { getServices } from "@/lib/services";
import { createConversationSchema } from "./schemas";

export const dynamic = "force-dynamic";

export const GET = route(async (request: Request) => {
  const userId = requireUserId(request);
  return Response.json({ conversations: await getServices().chat.listConversations({ userId }) });
});

export const POST = route(async (request: Request) => {
  const userId = requireUserId(request);
  const body = await parseBody(request, createConversationSchema);
  const conversation = await getServices().chat.createConversation({ userId, ...body });
  return Response.json(conversation, { status: 201 });
});
