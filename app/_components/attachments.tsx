"use client";

import { formatBytes } from "@/lib/attachments/names";
import { kindOf } from "@/lib/attachments/sniff";
import { attachmentUrl } from "@/lib/client/upload";
import type { Attachment } from "@/lib/protocol";
import { Icon } from "./icon";
import type { PendingFile } from "./use-attachments";

/** A file's name over one line of detail: its size, its upload's progress, or why it was refused. */
function FileLabel({ name, detail }: { name: string; detail: string | null }) {
  return (
    <span className="min-w-0">
      <span className="block truncate font-medium">{name}</span>
      <span className="block truncate text-[11px] opacity-75">{detail}</span>
    </span>
  );
}

/** The files waiting in the composer, each with its upload's progress, error, and a way to take it out. */
export function PendingFiles({ files, onRemove }: { files: PendingFile[]; onRemove(key: string): void }) {
  if (files.length === 0) return null;
  return (
    <ul aria-label="Attached files" className="flex flex-wrap gap-2 px-3 pt-3">
      {files.map((file) => (
        <li
          key={file.key}
          data-testid="pending-attachment"
          data-state={file.state}
          title={file.error ?? file.name}
          className={`relative flex max-w-60 items-center gap-2 overflow-hidden rounded-xl border py-1.5 pr-8 pl-1.5 text-xs ${
            file.state === "failed"
              ? "border-red-300 bg-red-50 text-red-800 dark:border-red-800 dark:bg-red-950/40 dark:text-red-200"
              : "border-zinc-200 bg-zinc-50 text-zinc-700 dark:border-zinc-700 dark:bg-zinc-800 dark:text-zinc-200"
          }`}
        >
          {file.previewUrl ? (
            // biome-ignore lint/performance/noImgElement: a local preview (blob:) or an API file, not a static asset
            <img src={file.previewUrl} alt="" className="size-9 shrink-0 rounded-lg object-cover" />
          ) : (
            <span className="flex size-9 shrink-0 items-center justify-center rounded-lg bg-white text-zinc-500 dark:bg-zinc-900 dark:text-zinc-400">
              <Icon name="document" className="size-5" />
            </span>
          )}
          <FileLabel
            name={file.name}
            detail={
              file.state === "failed"
                ? file.error
                : file.state === "uploading"
                  ? `Uploading… ${Math.round(file.progress * 100)}%`
                  : formatBytes(file.size)
            }
          />
          {file.state === "uploading" ? (
            <span
              role="progressbar"
              aria-label={`Uploading ${file.name}`}
              aria-valuemin={0}
              aria-valuemax={100}
              aria-valuenow={Math.round(file.progress * 100)}
              data-testid="upload-progress"
              className="absolute inset-x-0 bottom-0 h-1 bg-zinc-200 dark:bg-zinc-700"
            >
              <span
                className="block h-full bg-indigo-500 transition-[width] duration-150"
                style={{ width: `${Math.round(file.progress * 100)}%` }}
              />
            </span>
          ) : null}
          <button
            type="button"
            onClick={() => onRemove(file.key)}
            aria-label={`Remove ${file.name}`}
            className="absolute top-1/2 right-1.5 -translate-y-1/2 rounded-md p-0.5 text-zinc-500 hover:bg-zinc-200 hover:text-zinc-800 dark:hover:bg-zinc-700 dark:hover:text-zinc-100"
          >
            <Icon name="close" className="size-3.5" />
          </button>
        </li>
      ))}
    </ul>
  );
}

/** A message's files: images as thumbnails, everything else as a chip with name and size, each a link to the file. */
export function MessageAttachments({
  attachments,
  shareId,
}: {
  attachments: Attachment[];
  shareId?: string;
}) {
  return (
    <div className="mb-1.5 flex max-w-[85%] flex-wrap items-end justify-end gap-2">
      {attachments.map((file) => {
        const url = attachmentUrl(file.id, shareId);
        const image = kindOf(file.contentType) === "image";
        return image ? (
          <a
            key={file.id}
            href={url}
            target="_blank"
            rel="noreferrer"
            data-testid="attachment"
            data-kind="image"
            title={`${file.name} · ${formatBytes(file.size)}`}
            className="block overflow-hidden rounded-xl border border-zinc-200 bg-zinc-50 shadow-sm dark:border-zinc-700 dark:bg-zinc-900"
          >
            {/* biome-ignore lint/performance/noImgElement: the file is served by the API, with its access check */}
            <img
              src={url}
              alt={file.name}
              loading="lazy"
              className="block max-h-48 max-w-64 object-contain"
            />
          </a>
        ) : (
          <a
            key={file.id}
            href={url}
            download={file.name}
            data-testid="attachment"
            data-kind="file"
            className="flex max-w-64 items-center gap-2 rounded-xl border border-zinc-200 bg-white px-2.5 py-2 text-xs text-zinc-700 shadow-sm hover:bg-zinc-50 dark:border-zinc-700 dark:bg-zinc-900 dark:text-zinc-200 dark:hover:bg-zinc-800"
          >
            <span className="flex size-8 shrink-0 items-center justify-center rounded-lg bg-indigo-50 text-indigo-600 dark:bg-indigo-950/60 dark:text-indigo-300">
              <Icon name="document" className="size-4.5" />
            </span>
            <FileLabel name={file.name} detail={formatBytes(file.size)} />
          </a>
        );
      })}
    </div>
  );
}
