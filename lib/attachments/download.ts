import { contentDisposition } from "../http/content-disposition";
import type { AttachmentFile } from "./service";
import { kindOf } from "./sniff";

/**
 * A stored file as its download: only the raster images are shown inline;
 * everything else (text, which may be HTML or SVG, and PDFs) is offered as a
 * file to save, never rendered as this origin's page. `nosniff` keeps
 * browsers from reading text as anything else; the request listener puts
 * FILE_POLICY on these answers, which forbids any script or subresource
 * should a browser render one all the same.
 */
export function attachmentResponse(file: AttachmentFile): Response {
  const image = kindOf(file.contentType) === "image";
  const type = file.contentType === "text/plain" ? "text/plain; charset=utf-8" : file.contentType;
  return new Response(new Uint8Array(file.content), {
    status: 200,
    headers: {
      "content-type": type,
      "content-length": String(file.content.byteLength),
      "content-disposition": contentDisposition(image ? "inline" : "attachment", file.name),
      "x-content-type-options": "nosniff",
      "cache-control": "private, max-age=3600",
    },
  });
}
