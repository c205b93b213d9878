import { type Attachment, attachmentSchema } from "../protocol";

export class UploadError extends Error {
  override readonly name = "UploadError";
}

/**
 * Uploads one file to POST /api/attachments, telling its progress (0 to 1)
 * as the bytes leave; fetch cannot report that, XMLHttpRequest can. Rejects
 * with the server's own words when it refuses the file.
 */
export function uploadFile(
  file: File,
  options: { onProgress(fraction: number): void; signal: AbortSignal },
): Promise<Attachment> {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open("POST", "/api/attachments");
    request.responseType = "json";
    request.upload.onprogress = (event) => {
      if (event.lengthComputable && event.total > 0) options.onProgress(event.loaded / event.total);
    };
    request.onload = () => {
      const stored = attachmentSchema.safeParse(request.response);
      if (request.status === 201 && stored.success) return resolve(stored.data);
      const said = (request.response as { error?: { message?: unknown } } | null)?.error?.message;
      reject(
        new UploadError(typeof said === "string" ? said : `The upload failed (HTTP ${request.status}).`),
      );
    };
    request.onerror = () =>
      reject(new UploadError("The upload failed: check your connection and try again."));
    request.onabort = () => reject(new UploadError("The upload was cancelled."));
    options.signal.addEventListener("abort", () => request.abort(), { once: true });
    const form = new FormData();
    form.append("file", file, file.name);
    request.send(form);
  });
}

/** The address of a stored file; a share viewer reads it through the share link. */
export function attachmentUrl(id: string, shareId?: string): string {
  const path = `/api/attachments/${encodeURIComponent(id)}`;
  return shareId ? `${path}?share=${encodeURIComponent(shareId)}` : path;
}
