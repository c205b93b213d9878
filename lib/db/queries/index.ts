import type { Database } from "../client";
import { conversationQueries } from "./conversations";
import { messageQueries } from "./messages";

export type { InterruptedRun, RunOutcome } from "./messages";
export { ActiveRunLimitError } from "./messages";

export function createStore(db: Database) {
  return { ...conversationQueries(db), ...messageQueries(db) };
}

export type Store = ReturnType<typeof createStore>;
