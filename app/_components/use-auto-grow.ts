"use client";

import { type RefObject, useLayoutEffect } from "react";

/** A textarea grows with its text up to `maxPx`, then scrolls inside. */
export function useAutoGrow(input: RefObject<HTMLTextAreaElement | null>, text: string, maxPx: number): void {
  // biome-ignore lint/correctness/useExhaustiveDependencies: the height depends on the text
  useLayoutEffect(() => {
    const element = input.current;
    if (!element) return;
    element.style.height = "auto";
    element.style.height = `${Math.min(element.scrollHeight, maxPx)}px`;
  }, [input, text, maxPx]);
}
