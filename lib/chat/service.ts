import { randomBytes, randomUUID } from "node:crypto";
import { mentionedAgentIds } from "../agents/mentions";
import type { Roster } from "../agents/roster";
import type { RunManager } from "../agents/run-manager";
import { batched } from "../db/batched";
import { ActiveRunLimitError, AttachmentUnavailableError, type SendInput, type Store } from "../db/queries";
import type { ConversationRow, MessageRow } from "../db/schema";
import { AppError } from "../errors";
import { type Limits, tooManyActiveRuns } from "../limits";
import type {
  Attachment,
  ConversationUnavailableEvent,
  InProgressRun,
  JoinConversationResult,
  MessageCreatedEvent,
  MessageRemovedEvent,
  SendMessagePayload,
  SendMessageResult,
  Visibility,
} from "../protocol";
import { limits } from "../protocol/schemas";
import { attachmentsByMessage, checkAttachments } from "./attachments";
import { titleFromText, toConversationSummary, toMessage } from "./mappers";
import type { ChatService, ConversationWithShare, LiveConversation, OpenTarget, RunDirectory } from "./types";

export type ChatServiceDeps = {
  store: Store;
  roster: Roster;
  /** Starts runs here, in this process. */
  runs: Pick<RunManager, "enqueue">;
  /** Finds and cancels runs wherever they execute. */
  directory: RunDirectory;
  announceMessage(event: MessageCreatedEvent): void;
  announceRemoved(event: MessageRemovedEvent): void;
  /**
   * Tells everyone watching who may no longer read the conversation and takes
   * them out of its room, on every replica; the owner's sockets stay unless it was deleted.
   */
  revokeAccess(event: ConversationUnavailableEvent & { ownerId: string }): void;
  isAccepting(): boolean;
  /** Recorded on each answer this node will run, so recovery after a crash finds its own. */
  nodeId: string;
  /** Messages per minute and answers running at once, per identity. */
  limits: Pick<Limits, "takeMessage" | "returnMessage" | "maxActiveRunsPerUser">;
};

/** Making private ends the link for good; publishing again makes a new one, so a revoked link stays dead. */
function nextShareId(row: ConversationRow, visibility: Visibility | undefined): string | null | undefined {
  if (visibility === "private") return null;
  if (visibility !== "public") return undefined;
  return row.visibility === "public" && row.shareId ? row.shareId : randomBytes(12).toString("base64url");
}

/** A file went with another conversation, or was deleted, between the check and the store. */
function refuseTakenFiles(error: unknown): never {
  if (!(error instanceof AttachmentUnavailableError)) throw error;
  throw new AppError(
    "bad_request:message",
    "An attachment is no longer available (sent elsewhere or removed); upload it again.",
    { cause: error },
  );
}

export function createChatService(deps: ChatServiceDeps): ChatService {
  const { store, roster, runs, directory } = deps;
  /** Messages sent at the same moment are stored together, in one transaction. */
  const storeSend = batched((sends: SendInput[]) => store.storeSends(sends));

  async function getOwnedConversation(userId: string, conversationId: string): Promise<ConversationRow> {
    const row = await store.getConversationById({ id: conversationId });
    if (!row) throw new AppError("not_found:conversation", "This conversation does not exist.");
    if (row.ownerId !== userId) {
      throw new AppError("forbidden:conversation", "This conversation belongs to someone else.");
    }
    return row;
  }

  async function getReadableConversation(userId: string, target: OpenTarget): Promise<ConversationRow> {
    if ("conversationId" in target) return getOwnedConversation(userId, target.conversationId);
    const row = await store.getConversationByShareId({ shareId: target.shareId });
    if (!row) throw new AppError("not_found:conversation", "This share link is not valid or was turned off.");
    return row;
  }

  type Stored = { messages: MessageRow[]; files: Map<string, Attachment[]> };

  /** The messages first: a file is stored with its message, so every message read has its files. */
  async function storedMessages(conversationId: string): Promise<Stored> {
    const messages = await store.listMessagesByConversationId({ conversationId });
    const files = await store.listMessageAttachmentsByConversationId({ conversationId });
    return { messages, files: attachmentsByMessage(files) };
  }

  function withMessages(row: ConversationRow, stored: Stored, live: InProgressRun[]): LiveConversation {
    const byId = new Map(live.map((run) => [run.messageId, run]));
    const { messages, files } = stored;
    const streaming = new Set(messages.filter((m) => m.status === "streaming").map((m) => m.id));
    return {
      ...toConversationSummary(row),
      messages: messages.map((m) => toMessage(m, byId.get(m.id), files.get(m.id))),
      inProgress: live.filter((run) => streaming.has(run.messageId)),
    };
  }

  /** Who answers: the agents asked for, else those the text mentions (`@Name`), else the conversation's, else the first. */
  function resolveAgentIds(requested: string[] | undefined, row?: ConversationRow, text = ""): string[] {
    const unknown = roster.unknown(requested ?? []);
    if (unknown.length > 0) {
      throw new AppError("bad_request:message", `Unknown agent: ${unknown.join(", ")}.`);
    }
    if (requested?.length) return [...new Set(requested)];
    const mentioned = mentionedAgentIds(text, roster.agents).slice(0, limits.agentsPerMessageMax);
    if (mentioned.length > 0) return mentioned;
    const remembered = (row?.agentIds ?? []).filter((id) => roster.get(id));
    return remembered.length > 0 ? remembered : roster.defaultAgentIds;
  }

  async function existingSend(userId: string, clientMessageId: string): Promise<SendMessageResult | null> {
    const sent = await store.getMessageByClientMessageId({ authorId: userId, clientMessageId });
    if (!sent) return null;
    const replies = await store.listRepliesByMessageId({ replyToId: sent.id });
    return {
      conversationId: sent.conversationId,
      userMessageId: sent.id,
      runs: replies.map((reply) => ({ messageId: reply.id, agentId: reply.agentId ?? "" })),
    };
  }

  /** The files a send carries; for a retry of a message already stored, whose files are now its conversation's, that send. */
  async function filesFor(
    input: { userId: string } & SendMessagePayload,
    conversationId: string | undefined,
    agentIds: string[],
  ): Promise<Attachment[] | SendMessageResult> {
    const ids = input.attachmentIds ?? [];
    try {
      return await checkAttachments({ store, roster, userId: input.userId, conversationId, ids, agentIds });
    } catch (refusal) {
      const repeated = await existingSend(input.userId, input.clientMessageId);
      if (repeated) return repeated;
      throw refusal;
    }
  }

  const service = {
    listAgents: () => roster.listPublic(),

    async listConversations({ userId }) {
      return (await store.listConversationsByOwnerId({ ownerId: userId })).map(toConversationSummary);
    },

    async getConversation({ userId, conversationId }) {
      const row = await getOwnedConversation(userId, conversationId);
      const stored = await storedMessages(conversationId);
      return withMessages(row, stored, await directory.inProgress(conversationId));
    },

    async getSharedConversation({ shareId }) {
      const row = await getReadableConversation("", { shareId });
      const stored = await storedMessages(row.id);
      return withMessages(row, stored, await directory.inProgress(row.id));
    },

    async createConversation({ userId, title, agentIds }) {
      const row = await store.createConversation({
        id: randomUUID(),
        ownerId: userId,
        title: title?.trim() || "New chat",
        agentIds: resolveAgentIds(agentIds),
      });
      return toConversationSummary(row);
    },

    async updateConversation({ userId, conversationId, title, visibility }): Promise<ConversationWithShare> {
      const row = await getOwnedConversation(userId, conversationId);
      const shareId = nextShareId(row, visibility);
      const updated = await store.updateConversationById({ id: conversationId, title, visibility, shareId });
      if (!updated) throw new AppError("not_found:conversation", "This conversation does not exist.");
      if (visibility === "private") deps.revokeAccess({ conversationId, ownerId: userId, reason: "private" });
      const summary = toConversationSummary(updated);
      return { ...summary, shareUrl: summary.shareId ? `/s/${summary.shareId}` : null };
    },

    async deleteConversation({ userId, conversationId }) {
      await getOwnedConversation(userId, conversationId);
      await directory.cancel(conversationId);
      await store.deleteConversationById({ id: conversationId });
      deps.revokeAccess({ conversationId, ownerId: userId, reason: "deleted" });
    },

    async exportConversation({ userId, conversationId }) {
      const row = await store.getConversationById({ id: conversationId });
      // Someone else's conversation is not confirmed to exist.
      if (!row || row.ownerId !== userId) {
        throw new AppError("not_found:conversation", "This conversation does not exist.");
      }
      const stored = await storedMessages(conversationId);
      const { inProgress: _, ...conversation } = withMessages(
        row,
        stored,
        await directory.inProgress(row.id),
      );
      return conversation;
    },

    async sendMessage(input: { userId: string } & SendMessagePayload): Promise<SendMessageResult> {
      if (!deps.isAccepting()) {
        throw new AppError("unavailable:chat", "The server is restarting; send again in a moment.");
      }
      // A retry of a message already stored costs nothing; every other attempt counts, refused or not.
      // The common case looks nothing up first: storing a retry again finds it, and gives back what it took.
      try {
        await deps.limits.takeMessage(input.userId);
      } catch (refusal) {
        const repeated = await existingSend(input.userId, input.clientMessageId);
        if (repeated) return repeated;
        throw refusal;
      }
      const existing = input.conversationId
        ? await getOwnedConversation(input.userId, input.conversationId)
        : undefined;
      const agentIds = resolveAgentIds(input.agentIds, existing, input.text);
      const files = await filesFor(input, existing?.id, agentIds);
      if (!Array.isArray(files)) return files;
      const conversationId = existing?.id ?? randomUUID();
      const userMessageId = randomUUID();
      const stored = await storeSend({
        ...(!existing && {
          newConversation: {
            id: conversationId,
            ownerId: input.userId,
            title: titleFromText(input.text, files[0]?.name),
            agentIds,
          },
        }),
        userMessage: {
          id: userMessageId,
          conversationId,
          role: "user",
          authorId: input.userId,
          clientMessageId: input.clientMessageId,
          text: input.text,
          status: "complete",
        },
        runs: agentIds.map((agentId) => ({
          id: randomUUID(),
          conversationId,
          role: "assistant" as const,
          replyToId: userMessageId,
          agentId,
          status: "queued" as const,
          ownerNode: deps.nodeId,
        })),
        attachmentIds: files.map((file) => file.id),
        maxActiveRuns: deps.limits.maxActiveRunsPerUser,
      }).catch(refuseTakenFiles);
      if (stored instanceof ActiveRunLimitError) throw tooManyActiveRuns(stored.limit);
      if (!stored) {
        // A retry of a stored message, or of one stored a moment ago by a concurrent retry.
        await deps.limits.returnMessage(input.userId);
        const winner = await existingSend(input.userId, input.clientMessageId);
        if (winner) return winner;
        throw new AppError("conflict:message", "This message was sent twice at once; send it again.");
      }
      const result: SendMessageResult = {
        conversationId,
        userMessageId,
        runs: stored.runs.map((run) => ({ messageId: run.id, agentId: run.agentId ?? "" })),
      };
      // The sender's acknowledgement goes out first; the room hears of the message after it.
      setImmediate(() => {
        const { id, role, text, createdAt, attachments } = toMessage(stored.userMessage, undefined, files);
        deps.announceMessage({ conversationId, message: { id, role, text, createdAt, attachments } });
        runs.enqueue(conversationId, result.runs, input.mode);
      });
      return result;
    },

    async removeMessage({ userId, conversationId, messageId }) {
      await getOwnedConversation(userId, conversationId);
      const replies = (await store.listRepliesByMessageId({ replyToId: messageId })).filter(
        (reply) => reply.conversationId === conversationId,
      );
      if (replies.length === 0) {
        throw new AppError(
          "not_found:message",
          "No message of this conversation waits for answers under this id.",
        );
      }
      const started = () =>
        new AppError("conflict:message", "Its answers have already started; stop them instead.");
      if (replies.some((reply) => reply.status !== "queued")) throw started();
      const runIds = replies.map((reply) => reply.id);
      // Out of the queue first, wherever it waits: once taken, no answer of it can start.
      const withdrawn = await directory.withdraw(conversationId, runIds);
      if (withdrawn.length !== runIds.length) throw started();
      const removed = await store.deleteMessages({ conversationId, ids: [messageId, ...runIds] });
      deps.announceRemoved({ conversationId, messageIds: removed });
      return { removed };
    },

    async approveToolCall({ userId, ...answer }) {
      await getOwnedConversation(userId, answer.conversationId);
      if (!(await directory.approve(answer))) {
        throw new AppError(
          "not_found:approval",
          "This tool call is not waiting for approval: it was answered, it expired or its answer ended.",
        );
      }
    },

    async cancel({ userId, conversationId, messageId }) {
      await getOwnedConversation(userId, conversationId);
      return { cancelled: await directory.cancel(conversationId, messageId) };
    },

    /**
     * Subscribes to the conversation first, then takes the live snapshot, then
     * reads the stored messages: together with the events that arrive after
     * subscribing, nothing is missed and the client drops what it saw twice by seq.
     */
    async openConversation(input: {
      userId: string;
      target: OpenTarget;
      subscribe(conversationId: string): void;
      unsubscribe(conversationId: string): void;
    }): Promise<JoinConversationResult> {
      const row = await getReadableConversation(input.userId, input.target);
      input.subscribe(row.id);
      // A revocation that landed before the subscription could not take this socket out: look again.
      const shareId = "shareId" in input.target ? input.target.shareId : undefined;
      if (await service.checkAccess({ userId: input.userId, conversationId: row.id, shareId })) {
        input.unsubscribe(row.id);
        throw shareId
          ? new AppError("not_found:conversation", "This share link is not valid or was turned off.")
          : new AppError("not_found:conversation", "This conversation does not exist.");
      }
      const live = await directory.inProgress(row.id);
      const stored = await storedMessages(row.id);
      const { id, title, visibility, messages: shown, inProgress } = withMessages(row, stored, live);
      return { conversation: { id, title, visibility, messages: shown }, inProgress };
    },

    async checkAccess({ userId, conversationId, shareId }) {
      const row = await store.getConversationById({ id: conversationId });
      if (!row) return "deleted";
      if (row.ownerId === userId) return null;
      return row.visibility === "public" && shareId !== undefined && row.shareId === shareId
        ? null
        : "private";
    },
  } satisfies ChatService;

  return service;
}
