"use client";

import { useEffect, useRef, useState } from "react";

// However slow the chosen pace, the display never falls further behind than this.
const MAX_LAG_MS = 4_000;

/**
 * How much of `text` to show: all of it when off, otherwise revealed at
 * `charsPerSecond`, speeding up when it falls too far behind, one step per
 * animation frame.
 */
export function useTypewriter(text: string, options: { enabled: boolean; charsPerSecond: number }): number {
  const { enabled, charsPerSecond } = options;
  const [shown, setShown] = useState(() => (enabled ? 0 : text.length));
  // Fractional, so slow paces still advance between frames.
  const position = useRef(shown);

  useEffect(() => {
    if (!enabled || position.current >= text.length) {
      position.current = Math.min(position.current, text.length);
      if (!enabled) position.current = text.length;
      setShown(Math.floor(position.current));
      return;
    }
    let frame = 0;
    let last = performance.now();
    const step = (now: number) => {
      const behind = text.length - position.current;
      const pace = Math.max(charsPerSecond, (behind * 1000) / MAX_LAG_MS);
      position.current = Math.min(text.length, position.current + (pace * (now - last)) / 1000);
      last = now;
      setShown(Math.floor(position.current));
      if (position.current < text.length) frame = requestAnimationFrame(step);
    };
    frame = requestAnimationFrame(step);
    return () => cancelAnimationFrame(frame);
  }, [text, enabled, charsPerSecond]);

  return enabled ? Math.min(shown, text.length) : text.length;
}
