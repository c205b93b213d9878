import { createCodePlugin } from "@streamdown/code";
import type { CodeHighlighterPlugin, HighlightOptions, HighlightResult } from "streamdown";
import type { HighlightRequest, HighlightResponse } from "./highlight-protocol";

type Callback = (result: HighlightResult) => void;
type Job = { request: HighlightRequest; key: string; callbacks: Callback[] };

const CACHE_SIZE = 200;
const themeName = (theme: unknown) =>
  typeof theme === "string" ? theme : ((theme as { name?: string }).name ?? "custom");

/**
 * Streamdown's Shiki highlighter, run in a Web Worker. The page never blocks
 * on loading a grammar or tokenising a long block: it shows plain code until
 * the colours arrive. One request is in flight at a time; of the requests for
 * blocks still streaming only the newest waits, while finished blocks are
 * always highlighted once, and remembered.
 */
export function createWorkerHighlighter(createWorker: () => Worker): CodeHighlighterPlugin {
  const local = createCodePlugin();
  const cache = new Map<string, HighlightResult>();
  const queue: Job[] = [];
  let worker: Worker | null = null;
  let inFlight: (Job & { id: number }) | null = null;
  let nextId = 1;

  const remember = (key: string, result: HighlightResult) => {
    cache.set(key, result);
    if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value as string);
  };

  const pump = () => {
    if (inFlight || queue.length === 0) return;
    const job = queue.shift() as Job;
    inFlight = { ...job, id: nextId++ };
    worker ??= startWorker();
    worker.postMessage({ ...job.request, id: inFlight.id } satisfies HighlightRequest);
  };

  const startWorker = () => {
    const started = createWorker();
    started.onmessage = (event: MessageEvent<HighlightResponse>) => {
      const job = inFlight;
      if (!job || job.id !== event.data.id) return;
      inFlight = null;
      const { result } = event.data;
      if (result) {
        if (!job.request.isIncomplete) remember(job.key, result);
        for (const callback of job.callbacks) callback(result);
      }
      pump();
    };
    return started;
  };

  return {
    name: "shiki",
    type: "code-highlighter",
    supportsLanguage: (language) => local.supportsLanguage(language as HighlightRequest["language"]),
    getSupportedLanguages: () => local.getSupportedLanguages(),
    getThemes: () => local.getThemes(),
    highlight(options: HighlightOptions, callback?: Callback) {
      // Shiki's themes and languages by name, as the worker's own plugin expects them.
      const themes = [
        themeName(options.themes[0]),
        themeName(options.themes[1]),
      ] as HighlightRequest["themes"];
      const language = options.language as HighlightRequest["language"];
      const key = `${language}:${themes.join(":")}\n${options.code}`;
      const hit = cache.get(key);
      if (hit) return hit;
      // Rendered on the server, or a browser without workers: plain code.
      if (typeof Worker === "undefined") return null;
      const waiting = queue.find((job) => job.key === key);
      if (waiting) {
        if (callback) waiting.callbacks.push(callback);
        return null;
      }
      const job: Job = {
        key,
        request: {
          id: 0,
          code: options.code,
          language,
          themes,
          isIncomplete: options.isIncomplete,
        },
        callbacks: callback ? [callback] : [],
      };
      // A block still streaming supersedes its older, unsent versions.
      if (options.isIncomplete) {
        const stale = queue.findIndex((queued) => queued.request.isIncomplete);
        if (stale >= 0) queue.splice(stale, 1);
      }
      queue.push(job);
      pump();
      return null;
    },
  };
}
