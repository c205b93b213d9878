"use client";

import { type ClipboardEvent, type DragEvent, useEffect, useRef, useState } from "react";
import type { PublicAgent } from "@/lib/agents/types";
import { Icon } from "./icon";

const carriesFiles = (event: DragEvent) => Array.from(event.dataTransfer.types).includes("Files");

/**
 * Files dragged onto the composer: it shows it will take them while they
 * hover (`dragging`) and hands them over when they are dropped. Drags of
 * text or links pass untouched.
 */
export function useFileDrop(onFiles: (files: File[]) => void) {
  const [dragging, setDragging] = useState(false);
  // A file dropped beside the composer would make the browser leave the app to open it.
  useEffect(() => {
    const stay = (event: globalThis.DragEvent) => {
      if (event.dataTransfer?.types.includes("Files")) event.preventDefault();
    };
    window.addEventListener("dragover", stay);
    window.addEventListener("drop", stay);
    return () => {
      window.removeEventListener("dragover", stay);
      window.removeEventListener("drop", stay);
    };
  }, []);
  // Entering a child fires enter on it before leave on the parent: count, so the highlight does not flicker.
  const depth = useRef(0);
  const handlers = {
    onDragEnter(event: DragEvent) {
      if (!carriesFiles(event)) return;
      event.preventDefault();
      depth.current += 1;
      setDragging(true);
    },
    onDragOver(event: DragEvent) {
      if (!carriesFiles(event)) return;
      event.preventDefault();
      event.dataTransfer.dropEffect = "copy";
    },
    onDragLeave(event: DragEvent) {
      if (!carriesFiles(event)) return;
      depth.current = Math.max(0, depth.current - 1);
      if (depth.current === 0) setDragging(false);
    },
    onDrop(event: DragEvent) {
      if (!carriesFiles(event)) return;
      event.preventDefault();
      depth.current = 0;
      setDragging(false);
      const files = Array.from(event.dataTransfer.files);
      if (files.length > 0) onFiles(files);
    },
  };
  return { dragging, handlers };
}

/**
 * Files pasted into the composer (a screenshot, a copied image). A paste that
 * holds text pastes the text: office programs put a picture of the copied
 * cells beside it, which nobody meant to attach.
 */
export function pastedFiles(event: ClipboardEvent): File[] {
  const { clipboardData } = event;
  if (clipboardData.types.includes("text/plain")) return [];
  return Array.from(clipboardData.files);
}

/** The paperclip: opens the file picker. */
export function AttachButton({
  onFiles,
  disabled,
}: {
  onFiles: (files: File[]) => void;
  disabled?: boolean;
}) {
  const picker = useRef<HTMLInputElement>(null);
  return (
    <>
      <input
        ref={picker}
        type="file"
        multiple
        hidden
        data-testid="attachment-input"
        onChange={(event) => {
          const files = Array.from(event.target.files ?? []);
          // The same file may be picked again after it was removed.
          event.target.value = "";
          if (files.length > 0) onFiles(files);
        }}
      />
      <button
        type="button"
        data-testid="attach-button"
        onClick={() => picker.current?.click()}
        disabled={disabled}
        aria-label="Attach files"
        title="Attach images, PDFs or text files (or drop them here)"
        className="inline-flex size-8 shrink-0 items-center justify-center rounded-lg text-zinc-500 hover:bg-zinc-100 hover:text-zinc-800 focus-visible:outline-2 focus-visible:outline-indigo-500 disabled:opacity-50 dark:text-zinc-400 dark:hover:bg-zinc-800 dark:hover:text-zinc-100"
      >
        <Icon name="paperclip" />
      </button>
    </>
  );
}

/** Said before sending: these agents would be asked about an image they cannot see. */
export function VisionWarning({ agents }: { agents: PublicAgent[] }) {
  if (agents.length === 0) return null;
  const names = agents.map((agent) => agent.name).join(" and ");
  return (
    <p
      role="alert"
      data-testid="vision-warning"
      className="mx-3 mt-2 flex items-start gap-1.5 rounded-lg bg-amber-50 px-2.5 py-1.5 text-xs text-amber-900 dark:bg-amber-950/50 dark:text-amber-200"
    >
      <Icon name="alert" className="mt-px size-3.5 shrink-0" />
      <span>{names} cannot see images. Ask an agent that can, or remove the image to send.</span>
    </p>
  );
}
