import type { Database } from "../client";
import { conversationQueries } from "./conversations";
import { messageQueries } from "./messages";
import { searchQueries } from "./search";

export type { InterruptedRun, RunOutcome } from "./messages";
export { ActiveRunLimitError } from "./messages";
export type { MessageMatch } from "./search";

export function createStore(db: Database) {
  return { ...conversationQueries(db), ...messageQueries(db), ...searchQueries(db) };
}

export type Store = ReturnType<typeof createStore>;
