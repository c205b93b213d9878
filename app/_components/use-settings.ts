"use client";

import { useCallback, useSyncExternalStore } from "react";
import { z } from "@/lib/zod";

const STORAGE_KEY = "switchboard:settings";

export const TYPEWRITER_PACE = { min: 20, max: 400, default: 90 } as const;

const settingsSchema = z.object({
  /** "live": words appear as they arrive; "typewriter": they are revealed at an even pace. */
  streaming: z.enum(["live", "typewriter"]).catch("live"),
  /** Characters per second in typewriter mode. */
  typewriterPace: z
    .number()
    .int()
    .min(TYPEWRITER_PACE.min)
    .max(TYPEWRITER_PACE.max)
    .catch(TYPEWRITER_PACE.default),
  /** How an answer's reasoning shows once it is over: open, folded to its header, or not at all. */
  reasoning: z.enum(["open", "folded", "hidden"]).catch("folded"),
});
export type Settings = z.infer<typeof settingsSchema>;

const defaults: Settings = {
  streaming: "live",
  typewriterPace: TYPEWRITER_PACE.default,
  reasoning: "folded",
};

let cached: { raw: string | null; value: Settings } | null = null;
const listeners = new Set<() => void>();

function read(): Settings {
  let raw: string | null = null;
  try {
    raw = window.localStorage.getItem(STORAGE_KEY);
  } catch {
    // Storage can be disabled; the defaults serve.
  }
  if (cached && cached.raw === raw) return cached.value;
  let value = defaults;
  try {
    value = raw ? settingsSchema.parse(JSON.parse(raw)) : defaults;
  } catch {
    value = defaults;
  }
  cached = { raw, value };
  return value;
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  // Another tab changed them.
  const onStorage = (event: StorageEvent) => {
    if (event.key === STORAGE_KEY) listener();
  };
  window.addEventListener("storage", onStorage);
  return () => {
    listeners.delete(listener);
    window.removeEventListener("storage", onStorage);
  };
}

/** Display settings kept per browser. */
export function useSettings(): [Settings, (change: Partial<Settings>) => void] {
  const settings = useSyncExternalStore(subscribe, read, () => defaults);
  const update = useCallback((change: Partial<Settings>) => {
    const next = { ...read(), ...change };
    try {
      window.localStorage.setItem(STORAGE_KEY, JSON.stringify(next));
    } catch {
      // Not kept, but applied for this page.
      cached = { raw: JSON.stringify(next), value: next };
    }
    for (const listener of listeners) listener();
  }, []);
  return [settings, update];
}
