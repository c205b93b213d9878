"use client";

import { type ReactNode, useContext, useId, useState } from "react";
import type { ToolApproval as Approval } from "@/lib/protocol";
import type { ToolPart } from "@/lib/protocol/parts";
import { OwnerActionsContext } from "./chat-context";

type Props = {
  part: ToolPart;
  /** The answer that made the call. */
  messageId: string;
  agentName: string;
  toolName: string;
  /** The call's arguments, shown with the question so the owner knows what they allow. */
  children: ReactNode;
};

/**
 * A call waiting for the owner's approval: what would run and with what, and
 * for the owner Approve and Deny. Share viewers see the same card, waiting.
 * The buttons stay disabled from a click until the call moves on; a refusal
 * (answered elsewhere, expired meanwhile) shows here.
 */
export function ToolApproval({ part, messageId, agentName, toolName, children }: Props) {
  const { answerApproval } = useContext(OwnerActionsContext);
  const headingId = useId();
  const [sent, setSent] = useState<boolean | null>(null);
  const [error, setError] = useState<string | null>(null);

  const answer = async (approved: boolean) => {
    if (!answerApproval) return;
    setSent(approved);
    setError(null);
    const ack = await answerApproval({ messageId, toolCallId: part.toolCallId, approved });
    if (ack.ok) return;
    setError(ack.error.message);
    setSent(null);
  };

  return (
    <div
      data-testid="tool-approval"
      className="rounded-lg border border-amber-200 bg-amber-50 px-3 py-2.5 dark:border-amber-800/50 dark:bg-amber-950/30"
    >
      <fieldset disabled={sent !== null} className="min-w-0 space-y-2">
        <legend id={headingId} className="font-medium text-amber-900 dark:text-amber-200">
          {agentName} wants to run {toolName}
        </legend>
        {children}
        {answerApproval ? (
          <div className="flex flex-wrap items-center gap-2 pt-0.5">
            <ApprovalButton
              testId="approve-tool"
              primary
              pending={sent === true}
              describedBy={headingId}
              onClick={() => void answer(true)}
            >
              Approve
            </ApprovalButton>
            <ApprovalButton
              testId="deny-tool"
              pending={sent === false}
              describedBy={headingId}
              onClick={() => void answer(false)}
            >
              Deny
            </ApprovalButton>
            <span className="text-xs text-amber-800/80 dark:text-amber-300/80">
              Nothing runs until you approve.
            </span>
          </div>
        ) : (
          <p className="text-xs text-amber-800 dark:text-amber-300">Waiting for the owner's approval.</p>
        )}
        {error ? (
          <p
            data-testid="tool-approval-error"
            role="alert"
            className="break-words text-xs font-medium text-red-700 dark:text-red-400"
          >
            {error}
          </p>
        ) : null}
      </fieldset>
    </div>
  );
}

type ButtonProps = {
  testId: string;
  primary?: boolean;
  pending: boolean;
  describedBy: string;
  onClick: () => void;
  children: ReactNode;
};

/** Disabled with its fieldset while an answer is on its way. */
function ApprovalButton({ testId, primary, pending, describedBy, onClick, children }: ButtonProps) {
  const look = primary
    ? "bg-indigo-600 text-white shadow-sm hover:bg-indigo-500 dark:bg-indigo-500 dark:hover:bg-indigo-400"
    : "bg-white text-zinc-800 ring-1 ring-zinc-300 hover:bg-zinc-50 dark:bg-zinc-900 dark:text-zinc-100 dark:ring-zinc-600 dark:hover:bg-zinc-800";
  return (
    <button
      type="button"
      data-testid={testId}
      aria-describedby={describedBy}
      aria-busy={pending}
      onClick={onClick}
      className={`inline-flex items-center gap-1.5 rounded-lg px-3 py-1.5 text-xs font-semibold focus-visible:outline-2 focus-visible:outline-indigo-500 focus-visible:outline-offset-2 disabled:cursor-not-allowed disabled:opacity-60 ${look}`}
    >
      {pending ? (
        <span
          aria-hidden
          className="size-3 shrink-0 animate-spin rounded-full border-2 border-current border-t-transparent"
        />
      ) : null}
      {children}
    </button>
  );
}

const badges: Record<Exclude<Approval, "requested">, { label: string; look: string }> = {
  approved: {
    label: "Approved",
    look: "bg-emerald-50 text-emerald-700 ring-emerald-200 dark:bg-emerald-950/40 dark:text-emerald-300 dark:ring-emerald-800/60",
  },
  denied: {
    label: "Denied",
    look: "bg-red-50 text-red-700 ring-red-200 dark:bg-red-950/40 dark:text-red-300 dark:ring-red-800/60",
  },
  expired: {
    label: "Expired",
    look: "bg-zinc-100 text-zinc-600 ring-zinc-200 dark:bg-zinc-800 dark:text-zinc-300 dark:ring-zinc-700",
  },
};

/** How the owner answered a call that needed approval; nothing for one that needed none or still waits. */
export function ApprovalBadge({ approval }: { approval: Approval | undefined }) {
  if (approval === undefined || approval === "requested") return null;
  const { label, look } = badges[approval];
  return (
    <span
      data-testid="tool-approval-badge"
      data-approval={approval}
      className={`rounded-full px-2 py-0.5 font-medium text-[11px] ring-1 ring-inset ${look}`}
    >
      {label}
    </span>
  );
}
