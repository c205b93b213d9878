import { type AttachmentContent, groupByMessage, type RunOutcome, type Store } from "./queries";
import type { MessageRow } from "./schema";

/** At most this many calls go in one statement by default; a burst beyond it takes a few. */
const MAX_BATCH = 256;

type Waiting<I, O> = { item: I; resolve(outcome: O): void; reject(error: unknown): void };

/**
 * Calls handed in one at a time are made together: a group commit for
 * writes, one query for reads. The first waits only for the end of the
 * current event-loop turn (so a lone call costs no added delay); calls that
 * arrive while a batch is in flight wait for it and go together in the next
 * one, up to `maxBatch`. Under a burst the database sees a few large
 * statements instead of many small ones, each with its round trip and (for
 * writes) its commit; each call still gets its own outcome. A batch the
 * database refuses is made again call by call, so one that cannot succeed
 * (its conversation deleted a moment ago, say) fails alone.
 */
export function batched<I, O>(
  call: (items: I[]) => Promise<O[]>,
  options: { maxBatch: number } = { maxBatch: MAX_BATCH },
): (item: I) => Promise<O> {
  const waiting: Waiting<I, O>[] = [];
  let busy = false;

  /** Makes a batch and settles its items; false when a batch of several failed and nothing was settled. */
  const settle = async (batch: Waiting<I, O>[]): Promise<boolean> => {
    try {
      const outcomes = await call(batch.map((entry) => entry.item));
      for (const [i, entry] of batch.entries()) entry.resolve(outcomes[i] as O);
    } catch (error) {
      if (batch.length > 1) return false;
      for (const entry of batch) entry.reject(error);
    }
    return true;
  };

  const flush = async () => {
    while (waiting.length > 0) {
      const batch = waiting.splice(0, options.maxBatch);
      if (await settle(batch)) continue;
      for (const entry of batch) await settle([entry]);
    }
    busy = false;
  };

  return (item) =>
    new Promise<O>((resolve, reject) => {
      waiting.push({ item, resolve, reject });
      if (busy) return;
      busy = true;
      setImmediate(() => void flush());
    });
}

/** Each user message with the files it carries, in order. */
function withAttachments(
  messages: MessageRow[],
  files: ReadonlyArray<AttachmentContent>,
): Array<MessageRow & { attachments?: AttachmentContent[] }> {
  if (files.length === 0) return messages;
  const byMessage = groupByMessage(files);
  return messages.map((message) => {
    const attachments = byMessage.get(message.id);
    return attachments ? { ...message, attachments } : message;
  });
}

/**
 * What runs read and write while they start and end, batched: hundreds of
 * answers starting (or ending) at once cost a few statements, not hundreds.
 */
export function batchedRunStore(
  store: Pick<
    Store,
    | "listMessagesByConversationIds"
    | "listAttachmentContentsByConversationIds"
    | "markRunsStreaming"
    | "finishRuns"
    | "listConversationsRunningElsewhere"
  >,
  nodeId: string,
) {
  // The files of a conversation are read with its messages: one more query per batch, not per answer.
  const list = batched(async (ids: string[]) => {
    const messages = await store.listMessagesByConversationIds(ids);
    const files = await store.listAttachmentContentsByConversationIds(ids);
    return messages.map((rows) => withAttachments(rows, files));
  });
  const start = batched(async (inputs: Array<{ id: string; model: string }>) => {
    await store.markRunsStreaming(inputs);
    return inputs.map(() => undefined);
  });
  const finish = batched((outcomes: RunOutcome[]) => store.finishRuns(outcomes));
  const elsewhere = batched(async (conversationIds: string[]) => {
    const running = new Set(await store.listConversationsRunningElsewhere({ conversationIds, nodeId }));
    return conversationIds.map((id) => running.has(id));
  });
  return {
    /** Whether an answer of the conversation is queued or streaming on another node. */
    runsElsewhere: (conversationId: string) => elsewhere(conversationId),
    listMessagesByConversationId: ({ conversationId }: { conversationId: string }) => list(conversationId),
    markRunStreamingById: (input: { id: string; model: string }) => start(input),
    finishRunById: (outcome: RunOutcome) => finish(outcome),
  };
}
