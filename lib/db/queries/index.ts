import type { Database } from "../client";
import { attachmentQueries } from "./attachments";

export { groupByMessage } from "./attachments";

import { conversationQueries } from "./conversations";
import { messageQueries } from "./messages";
import { searchQueries } from "./search";
import { sendQueries } from "./sends";

export type {
  AttachmentAccess,
  AttachmentContent,
  AttachmentInfo,
  MessageAttachment,
} from "./attachments";
export type { InterruptedRun, RunOutcome } from "./messages";
export { ActiveRunLimitError } from "./messages";
export type { MessageMatch } from "./search";
export type { SendInput, SendOutcome } from "./sends";
export { AttachmentUnavailableError } from "./sends";

export function createStore(db: Database) {
  return {
    ...conversationQueries(db),
    ...messageQueries(db),
    ...sendQueries(db),
    ...searchQueries(db),
    ...attachmentQueries(db),
  };
}

export type Store = ReturnType<typeof createStore>;
