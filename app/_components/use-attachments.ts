"use client";

import { useCallback, useEffect, useRef, useState } from "react";
import { formatBytes } from "@/lib/attachments/names";
import { IMAGE_TYPES } from "@/lib/attachments/sniff";
import { attachmentUrl, uploadFile } from "@/lib/client/upload";
import type { Attachment } from "@/lib/protocol";
import { limits } from "@/lib/protocol/schemas";

/** A file in the composer: uploading, ready to go with the next message, or refused. */
export type PendingFile = {
  key: string;
  name: string;
  size: number;
  image: boolean;
  /** What the chip shows of an image: the local file while it uploads, the stored one after. */
  previewUrl: string | null;
  /** 0 to 1 while uploading. */
  progress: number;
  state: "uploading" | "ready" | "failed";
  error: string | null;
  attachment: Attachment | null;
};

let keys = 0;
const newKey = () => {
  keys += 1;
  return `file-${keys}`;
};

const isImage = (type: string) => (IMAGE_TYPES as readonly string[]).includes(type);

function refused(file: File, error: string): PendingFile {
  return {
    key: newKey(),
    name: file.name,
    size: file.size,
    image: false,
    previewUrl: null,
    progress: 0,
    state: "failed",
    error,
    attachment: null,
  };
}

/**
 * The files the composer holds for the next message. Each starts uploading
 * as soon as it is added; a file over the size limit, or one too many, is
 * refused at once without being sent.
 */
export function useAttachments(maxBytes: number) {
  const [files, setFiles] = useState<PendingFile[]>([]);
  const uploads = useRef(new Map<string, AbortController>());
  const latest = useRef(files);
  latest.current = files;
  const count = useRef(0);
  count.current = files.filter((file) => file.state !== "failed").length;

  const change = useCallback((key: string, update: Partial<PendingFile>) => {
    setFiles((current) => current.map((file) => (file.key === key ? { ...file, ...update } : file)));
  }, []);

  const start = useCallback(
    (file: File): PendingFile => {
      const key = newKey();
      const controller = new AbortController();
      uploads.current.set(key, controller);
      uploadFile(file, { signal: controller.signal, onProgress: (progress) => change(key, { progress }) })
        .then((attachment) => change(key, { state: "ready", progress: 1, attachment }))
        .catch((error: unknown) => {
          if (!controller.signal.aborted) change(key, { state: "failed", error: (error as Error).message });
        })
        .finally(() => uploads.current.delete(key));
      const image = isImage(file.type);
      return {
        key,
        name: file.name,
        size: file.size,
        image,
        previewUrl: image ? URL.createObjectURL(file) : null,
        progress: 0,
        state: "uploading",
        error: null,
        attachment: null,
      };
    },
    [change],
  );

  const add = useCallback(
    (added: File[]) => {
      const entries = added.map((file) => {
        if (file.size > maxBytes)
          return refused(file, `Larger than ${formatBytes(maxBytes)}, the most allowed.`);
        if (count.current >= limits.attachmentsPerMessageMax) {
          return refused(file, `A message carries at most ${limits.attachmentsPerMessageMax} files.`);
        }
        count.current += 1;
        return start(file);
      });
      setFiles((current) => [...current, ...entries]);
    },
    [maxBytes, start],
  );

  /** Takes a file out; one already uploaded is deleted on the server too. */
  const remove = useCallback((key: string) => {
    uploads.current.get(key)?.abort();
    const uploaded = latest.current.find((file) => file.key === key)?.attachment;
    if (uploaded) void fetch(attachmentUrl(uploaded.id), { method: "DELETE" }).catch(() => {});
    setFiles((current) => current.filter((file) => file.key !== key));
  }, []);

  /** The uploaded files, handed to a message; the composer starts empty again. */
  const take = useCallback((): Attachment[] => {
    const ready = files.flatMap((file) => (file.attachment ? [file.attachment] : []));
    setFiles([]);
    return ready;
  }, [files]);

  /** Puts back the files of a message the server refused, ready to go again. */
  const restore = useCallback((attachments: Attachment[]) => {
    const entries = attachments.map(
      (attachment): PendingFile => ({
        key: newKey(),
        name: attachment.name,
        size: attachment.size,
        image: isImage(attachment.contentType),
        previewUrl: isImage(attachment.contentType) ? attachmentUrl(attachment.id) : null,
        progress: 1,
        state: "ready",
        error: null,
        attachment,
      }),
    );
    setFiles((current) => [...current, ...entries]);
  }, []);

  // Local previews are freed once their chips are gone.
  const previews = useRef(new Set<string>());
  useEffect(() => {
    const shown = new Set(
      files.flatMap((file) => (file.previewUrl?.startsWith("blob:") ? [file.previewUrl] : [])),
    );
    for (const url of previews.current) if (!shown.has(url)) URL.revokeObjectURL(url);
    previews.current = shown;
  }, [files]);
  useEffect(
    () => () => {
      for (const url of previews.current) URL.revokeObjectURL(url);
    },
    [],
  );

  return { files, add, remove, take, restore };
}
