"use client";

import { type ReactNode, useCallback, useEffect, useImperativeHandle, useRef, useState } from "react";
import { Icon } from "./icon";

export type MessageListHandle = { scrollToLatest: () => void };

type Props = {
  children: ReactNode;
  /** Something is still growing: the place to offer a way back down. */
  streaming: boolean;
  ref?: React.Ref<MessageListHandle>;
};

// Closer than this to the bottom counts as "at the bottom".
const STICK_PX = 8;

/**
 * Follows the newest words while the reader is at the bottom; once they
 * scroll up it stays put and offers a button back down.
 */
export function MessageList({ children, streaming, ref }: Props) {
  const scroller = useRef<HTMLDivElement>(null);
  const content = useRef<HTMLDivElement>(null);
  const stuck = useRef(true);
  const lastTop = useRef(0);
  const [away, setAway] = useState(false);

  const toBottom = useCallback((smooth: boolean) => {
    const element = scroller.current;
    if (!element) return;
    stuck.current = true;
    setAway(false);
    element.scrollTo({ top: element.scrollHeight, behavior: smooth ? "smooth" : "instant" });
  }, []);

  useImperativeHandle(ref, () => ({ scrollToLatest: () => toBottom(false) }), [toBottom]);

  useEffect(() => {
    const element = scroller.current;
    const inner = content.current;
    if (!element || !inner) return;
    element.scrollTop = element.scrollHeight;
    // Content grows without scroll events; follow it while stuck to the bottom.
    const observer = new ResizeObserver(() => {
      if (stuck.current) element.scrollTop = element.scrollHeight;
    });
    observer.observe(inner);
    return () => observer.disconnect();
  }, []);

  const onScroll = () => {
    const element = scroller.current;
    if (!element) return;
    const distance = element.scrollHeight - element.scrollTop - element.clientHeight;
    // Only a move upwards unsticks: content shrinking also changes scrollTop, but never upwards by choice.
    if (distance <= STICK_PX) stuck.current = true;
    else if (element.scrollTop < lastTop.current) stuck.current = false;
    lastTop.current = element.scrollTop;
    setAway(!stuck.current && distance > STICK_PX);
  };

  return (
    <div className="relative min-h-0 flex-1">
      <div
        ref={scroller}
        data-testid="message-scroller"
        onScroll={onScroll}
        className="h-full overflow-y-auto overscroll-contain"
      >
        <div ref={content} className="mx-auto flex w-full max-w-3xl flex-col gap-6 px-4 pt-6 pb-10">
          {children}
        </div>
      </div>
      {away ? (
        <button
          type="button"
          data-testid="scroll-to-latest"
          onClick={() => toBottom(true)}
          className="-translate-x-1/2 absolute bottom-4 left-1/2 inline-flex items-center gap-1.5 rounded-full border border-zinc-200 bg-white/95 px-3 py-1.5 text-xs font-medium text-zinc-700 shadow-lg backdrop-blur hover:bg-zinc-50 dark:border-zinc-700 dark:bg-zinc-800/95 dark:text-zinc-200 dark:hover:bg-zinc-700"
        >
          <Icon name="arrowDown" className="size-3.5" />
          {streaming ? "Follow the answer" : "Jump to latest"}
        </button>
      ) : null}
    </div>
  );
}
