import { readSingleFile } from "@/lib/http/multipart";
import { requireUserId, route } from "@/lib/http/route";
import { getServices } from "@/lib/services";

export const dynamic = "force-dynamic";

/** One file, as multipart/form-data; 201 with what a message shows of it. */
export const POST = route(async (request: Request) => {
  const userId = requireUserId(request);
  const { attachments } = getServices();
  const stored = await attachments.receive(userId, () => readSingleFile(request, attachments.maxBytes));
  return Response.json(stored, { status: 201 });
});
