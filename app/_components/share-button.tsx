"use client";

import { useState } from "react";
import { Icon } from "./icon";

type Props = { conversationId: string; initialShareUrl: string | null };

type ShareState =
  | { phase: "idle" }
  | { phase: "working" }
  | { phase: "shared"; url: string; copied: boolean }
  | { phase: "unshared" }
  | { phase: "failed"; message: string };

type UpdateAnswer = { shareUrl?: string | null; error?: { message?: string } } | null;

async function setVisibility(
  conversationId: string,
  visibility: "public" | "private",
): Promise<UpdateAnswer> {
  const response = await fetch(`/api/conversations/${encodeURIComponent(conversationId)}`, {
    method: "PATCH",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ visibility }),
  });
  const body = (await response.json().catch(() => null)) as UpdateAnswer;
  if (!response.ok) throw new Error(body?.error?.message ?? "That did not work. Try again.");
  return body;
}

async function makePublic(conversationId: string): Promise<string> {
  const body = await setVisibility(conversationId, "public");
  if (!body?.shareUrl) throw new Error("Sharing failed. Try again.");
  // The server cannot know the address this browser reached it by (proxies, ports): keep only the path.
  const { pathname, search } = new URL(body.shareUrl, window.location.origin);
  return new URL(pathname + search, window.location.origin).toString();
}

export function ShareButton({ conversationId, initialShareUrl }: Props) {
  const [state, setState] = useState<ShareState>({ phase: "idle" });

  const share = async () => {
    setState({ phase: "working" });
    try {
      setState({ phase: "shared", url: await makePublic(conversationId), copied: false });
    } catch (error) {
      setState({ phase: "failed", message: error instanceof Error ? error.message : "Sharing failed." });
    }
  };

  // Everyone reading along through the link is cut off at once; sharing again makes a new link.
  const unshare = async () => {
    setState({ phase: "working" });
    try {
      await setVisibility(conversationId, "private");
      setState({ phase: "unshared" });
    } catch (error) {
      setState({ phase: "failed", message: error instanceof Error ? error.message : "That did not work." });
    }
  };

  const copy = async (url: string) => {
    try {
      await navigator.clipboard.writeText(url);
      setState({ phase: "shared", url, copied: true });
    } catch {
      // Clipboard access needs a secure context; the link stays visible to copy by hand.
    }
  };

  return (
    <div className="relative">
      <button
        type="button"
        data-testid="share-button"
        onClick={share}
        disabled={state.phase === "working"}
        title={initialShareUrl ? "Shared: anyone with the link can read along" : "Share a read-only link"}
        className="inline-flex h-8 items-center gap-1.5 rounded-lg px-2.5 text-sm font-medium text-zinc-700 hover:bg-zinc-100 disabled:opacity-60 dark:text-zinc-200 dark:hover:bg-zinc-800"
      >
        <Icon name="share" />
        <span className="sr-only sm:not-sr-only">Share</span>
      </button>
      {state.phase === "shared" || state.phase === "unshared" || state.phase === "failed" ? (
        <div
          role="dialog"
          aria-label="Share link"
          className="absolute top-10 right-0 z-20 w-[min(22rem,calc(100vw-2rem))] rounded-xl border border-zinc-200 bg-white p-3 text-sm shadow-xl dark:border-zinc-700 dark:bg-zinc-900"
        >
          {state.phase === "shared" ? (
            <>
              <p className="mb-2 text-zinc-600 dark:text-zinc-300">
                Anyone with this link can read along, live:
              </p>
              <div className="flex items-center gap-2">
                <a
                  data-testid="share-url"
                  href={state.url}
                  target="_blank"
                  rel="noreferrer"
                  className="min-w-0 flex-1 truncate rounded-lg bg-zinc-100 px-2.5 py-1.5 font-mono text-xs text-indigo-700 dark:bg-zinc-800 dark:text-indigo-300"
                >
                  {state.url}
                </a>
                <button
                  type="button"
                  onClick={() => copy(state.url)}
                  className="shrink-0 rounded-lg bg-indigo-600 px-2.5 py-1.5 text-xs font-semibold text-white hover:bg-indigo-500"
                >
                  {state.copied ? "Copied" : "Copy"}
                </button>
              </div>
            </>
          ) : state.phase === "unshared" ? (
            <p role="status" className="text-zinc-600 dark:text-zinc-300">
              The link is off: nobody can read along any more. Sharing again makes a new link.
            </p>
          ) : (
            <p role="alert" className="text-red-700 dark:text-red-300">
              {state.message}
            </p>
          )}
          <div className="mt-2 flex gap-4">
            {state.phase === "shared" ? (
              <button
                type="button"
                data-testid="unshare-button"
                onClick={unshare}
                className="text-xs font-medium text-red-700 hover:text-red-600 dark:text-red-300"
              >
                Stop sharing
              </button>
            ) : null}
            <button
              type="button"
              onClick={() => setState({ phase: "idle" })}
              className="text-xs text-zinc-500 hover:text-zinc-700 dark:hover:text-zinc-300"
            >
              Close
            </button>
          </div>
        </div>
      ) : null}
    </div>
  );
}
