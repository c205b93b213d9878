import { attachmentResponse } from "@/lib/attachments/download";
import { requireUserId, route } from "@/lib/http/route";
import { getServices } from "@/lib/services";
import { type AttachmentContext, attachmentIdOf, shareIdOf } from "../schemas";

export const dynamic = "force-dynamic";

/** The file's bytes, for its conversation's owner, or through its share link (`?share=<shareId>`). */
export const GET = route(async (request: Request, context: AttachmentContext) => {
  const userId = requireUserId(request);
  const id = await attachmentIdOf(context);
  const file = await getServices().attachments.open({ userId, id, shareId: shareIdOf(request) });
  return attachmentResponse(file);
});

/** Takes back a file its uploader has not sent. */
export const DELETE = route(async (request: Request, context: AttachmentContext) => {
  const userId = requireUserId(request);
  const id = await attachmentIdOf(context);
  await getServices().attachments.remove({ userId, id });
  return new Response(null, { status: 204 });
});
