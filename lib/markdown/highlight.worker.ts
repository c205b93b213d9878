/// <reference lib="webworker" />
// Syntax highlighting off the main thread: loading a grammar takes hundreds of
// milliseconds, far too long to block a page that is rendering a stream.
import { createCodePlugin } from "@streamdown/code";
import type { HighlightRequest, HighlightResponse } from "./highlight-protocol";

const plugin = createCodePlugin();
const scope = self as unknown as DedicatedWorkerGlobalScope;

scope.onmessage = (event: MessageEvent<HighlightRequest>) => {
  const { id, code, language, themes, isIncomplete } = event.data;
  const reply = (result: HighlightResponse["result"]) =>
    scope.postMessage({ id, result } satisfies HighlightResponse);
  try {
    const ready = plugin.highlight({ code, language, themes, isIncomplete }, reply);
    if (ready) reply(ready);
  } catch {
    reply(null);
  }
};
