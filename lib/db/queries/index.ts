import type { Database } from "../client";
import { conversationQueries } from "./conversations";
import { messageQueries } from "./messages";
import { searchQueries } from "./search";
import { sendQueries } from "./sends";

export type { InterruptedRun, RunOutcome } from "./messages";
export { ActiveRunLimitError } from "./messages";
export type { MessageMatch } from "./search";
export type { SendInput, SendOutcome } from "./sends";

export function createStore(db: Database) {
  return { ...conversationQueries(db), ...messageQueries(db), ...sendQueries(db), ...searchQueries(db) };
}

export type Store = ReturnType<typeof createStore>;
