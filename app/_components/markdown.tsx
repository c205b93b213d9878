"use client";

import { memo } from "react";
import { Streamdown } from "streamdown";
import { safeMarkdownOptions } from "@/lib/markdown/options";
import { createWorkerHighlighter } from "@/lib/markdown/worker-highlighter";

const plugins = {
  code: createWorkerHighlighter(
    () => new Worker(new URL("../../lib/markdown/highlight.worker.ts", import.meta.url), { type: "module" }),
  ),
};
const controls = {
  code: { copy: true, download: false },
  table: { copy: true, download: false, fullscreen: false },
  mermaid: false,
  image: false,
} as const;

/** An answer never makes the reader's browser fetch an address the model chose: images show as their address. */
function BlockedImage({ alt, src }: { alt?: string; src?: unknown }) {
  const address = typeof src === "string" ? src : "";
  return (
    <span
      data-blocked-image=""
      title={address ? `Image not loaded: ${address}` : "Image not loaded"}
      className="inline-flex max-w-full items-center gap-1 rounded-md border border-dashed border-zinc-300 px-1.5 py-0.5 text-xs text-zinc-500 dark:border-zinc-700 dark:text-zinc-400"
    >
      <span className="font-medium">Image not shown:</span>
      <span className="truncate">{alt || address || "untitled"}</span>
    </span>
  );
}

const components = { img: BlockedImage };

type Props = { text: string; streaming: boolean };

/**
 * An answer as Markdown. While it streams, half-finished syntax (an open code
 * fence, a table missing rows) renders as if closed, and only the last block
 * is parsed again as words arrive.
 */
export const Markdown = memo(function Markdown({ text, streaming }: Props) {
  return (
    <Streamdown
      // One mode throughout: the blocks a streaming answer rendered stay memoised when it completes,
      // where switching to "static" would render the whole answer again in one long task.
      mode="streaming"
      parseIncompleteMarkdown={streaming}
      isAnimating={streaming}
      caret={streaming ? "block" : undefined}
      plugins={plugins}
      controls={controls}
      components={components}
      lineNumbers={false}
      codeBlockMaxHeight={480}
      className="markdown"
      {...safeMarkdownOptions}
    >
      {text}
    </Streamdown>
  );
});
