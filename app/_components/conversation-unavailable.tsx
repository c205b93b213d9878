import type { UnavailableReason } from "@/lib/protocol";

const notices: Record<UnavailableReason, { title: string; detail: string }> = {
  private: {
    title: "This conversation is no longer shared.",
    detail: "Its owner turned the link off. Ask them for a new one to read along again.",
  },
  deleted: {
    title: "This conversation was deleted.",
    detail: "It and everything in it are gone.",
  },
};

/** Shown in place of the messages once the server took this page out of the conversation. */
export function ConversationUnavailable({ reason }: { reason: UnavailableReason }) {
  const { title, detail } = notices[reason];
  return (
    <div className="flex min-h-0 flex-1 flex-col items-center justify-center px-4 py-8">
      <div
        data-testid="conversation-unavailable"
        data-reason={reason}
        role="status"
        className="w-full max-w-md text-center"
      >
        <h2 className="text-xl font-semibold tracking-tight text-zinc-900 dark:text-zinc-50">{title}</h2>
        <p className="mt-2 text-sm text-zinc-500 dark:text-zinc-400">{detail}</p>
        <a
          href="/"
          className="mt-5 inline-block rounded-xl bg-indigo-600 px-4 py-2 text-sm font-semibold text-white shadow-sm hover:bg-indigo-500"
        >
          Start a new chat
        </a>
      </div>
    </div>
  );
}
