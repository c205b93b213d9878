import { AppError } from "@/lib/errors";
import { type IdContext, idInPath } from "@/lib/http/route";
import { idSchema } from "@/lib/protocol";

export type AttachmentContext = IdContext;

/** The attachment id in the URL, refused before any query when it could not be an id. */
export const attachmentIdOf = (context: AttachmentContext) => idInPath(context, "attachment");

/** `?share=<shareId>`: the share link a viewer reads the conversation through. */
export function shareIdOf(request: Request): string | undefined {
  const share = new URL(request.url).searchParams.get("share");
  if (share === null) return undefined;
  const parsed = idSchema.safeParse(share);
  if (!parsed.success) throw new AppError("bad_request:api", "The share id is not valid.");
  return parsed.data;
}
