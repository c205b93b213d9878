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
  AnswerCreatedEvent,
  Attachment,
  BranchSwitchedEvent,
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
import { shownMessages } from "../protocol/tree";
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
  /** An answer placed in the tree, queued; sent before any event of its run. */
  announceAnswer(event: AnswerCreatedEvent): void;
  /** The conversation's active path ends somewhere else now. */
  announceBranch(event: BranchSwitchedEvent): void;
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

  /** The active path (with the answers asked for inside it) as `messages`, every other branch's beside it. */
  function withMessages(row: ConversationRow, stored: Stored, live: InProgressRun[]): LiveConversation {
    const byId = new Map(live.map((run) => [run.messageId, run]));
    const { messages, files } = stored;
    const streaming = new Set(messages.filter((m) => m.status === "streaming").map((m) => m.id));
    const all = messages.map((m) => toMessage(m, byId.get(m.id), files.get(m.id)));
    const shown = new Set(shownMessages(all, row.activeLeafId));
    return {
      ...toConversationSummary(row),
      messages: all.filter((message) => shown.has(message)),
      activeLeafId: row.activeLeafId,
      otherBranches: all.filter((message) => !shown.has(message)),
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

  /** What a send (or an edit, or a regenerate) already stored under this clientMessageId acked. */
  async function existingSend(userId: string, clientMessageId: string): Promise<SendMessageResult | null> {
    const sent = await store.getMessageByClientMessageId({ authorId: userId, clientMessageId });
    if (!sent) return null;
    // A regenerated answer is keyed itself: it answers a question asked before.
    if (sent.role === "assistant") {
      return {
        conversationId: sent.conversationId,
        userMessageId: sent.replyToId ?? "",
        runs: [{ messageId: sent.id, agentId: sent.agentId ?? "" }],
      };
    }
    const replies = await store.listRepliesByMessageId({ replyToId: sent.id });
    return {
      conversationId: sent.conversationId,
      userMessageId: sent.id,
      runs: replies.map((reply) => ({ messageId: reply.id, agentId: reply.agentId ?? "" })),
    };
  }

  /**
   * Tells the room of what a send stored, after the sender's acknowledgement:
   * the message, its answers in the tree, the new leaf; then the answers start.
   */
  function announceStored(input: {
    conversationId: string;
    userMessage?: { row: MessageRow; files: Attachment[] };
    runs: MessageRow[];
    mode?: SendMessagePayload["mode"];
  }): void {
    const { conversationId, runs: answers } = input;
    setImmediate(() => {
      if (input.userMessage) {
        const { row, files } = input.userMessage;
        const { id, role, text, createdAt, attachments, parentId } = toMessage(row, undefined, files);
        deps.announceMessage({
          conversationId,
          message: { id, role, text, createdAt, attachments, parentId },
        });
      }
      for (const answer of answers) {
        deps.announceAnswer({
          conversationId,
          message: {
            id: answer.id,
            role: "assistant",
            agentId: answer.agentId ?? "",
            parentId: answer.parentId ?? "",
            replyToId: answer.replyToId ?? "",
            status: "queued",
            createdAt: answer.createdAt.toISOString(),
          },
        });
      }
      const leaf = answers.at(-1)?.id ?? input.userMessage?.row.id;
      if (leaf) deps.announceBranch({ conversationId, activeLeafId: leaf });
      runs.enqueue(
        conversationId,
        answers.map((answer) => ({ messageId: answer.id, agentId: answer.agentId ?? "" })),
        input.mode,
      );
    });
  }

  /** Refused the same way for every send: the server going down, or one message too many this minute. */
  async function admitSend(userId: string, clientMessageId: string): Promise<SendMessageResult | null> {
    if (!deps.isAccepting()) {
      throw new AppError("unavailable:chat", "The server is restarting; send again in a moment.");
    }
    // A retry of a message already stored costs nothing; every other attempt counts, refused or not.
    // The common case looks nothing up first: storing a retry again finds it, and gives back what it took.
    try {
      await deps.limits.takeMessage(userId);
      return null;
    } catch (refusal) {
      const repeated = await existingSend(userId, clientMessageId);
      if (repeated) return repeated;
      throw refusal;
    }
  }

  /** A stored retry returns what the first attempt stored and gives back the message it took. */
  async function repeatedSend(userId: string, clientMessageId: string): Promise<SendMessageResult> {
    await deps.limits.returnMessage(userId);
    const winner = await existingSend(userId, clientMessageId);
    if (winner) return winner;
    throw new AppError("conflict:message", "This message was sent twice at once; send it again.");
  }

  /**
   * Admits an edit or a regenerate like a send and finds the message it
   * branches from: of the owner's conversation, of that role, in its tree
   * (not an answer asked for inside another). A retry gets what it acked before.
   */
  async function branchingFrom(
    input: { userId: string; conversationId: string; messageId: string; clientMessageId: string },
    role: MessageRow["role"],
  ): Promise<SendMessageResult | { original: MessageRow }> {
    const repeated = await admitSend(input.userId, input.clientMessageId);
    if (repeated) return repeated;
    await getOwnedConversation(input.userId, input.conversationId);
    return { original: await nodeOf(input.conversationId, input.messageId, role) };
  }

  async function nodeOf(conversationId: string, messageId: string, role: MessageRow["role"]) {
    const row = await store.getMessageById({ id: messageId });
    if (!row || row.conversationId !== conversationId || row.role !== role || row.parentMessageId) {
      throw new AppError(
        "not_found:message",
        role === "user"
          ? "No message of yours in this conversation has this id."
          : "No answer in this conversation has this id.",
      );
    }
    return row;
  }

  /** Stores one send (a new message or an edit) with its answers and tells the room. */
  async function storeAndAnnounce(
    input: { userId: string; clientMessageId: string; mode?: SendMessagePayload["mode"] },
    send: Omit<SendInput, "maxActiveRuns">,
    files: Attachment[],
  ): Promise<SendMessageResult> {
    const stored = await storeSend({ ...send, maxActiveRuns: deps.limits.maxActiveRunsPerUser }).catch(
      refuseTakenFiles,
    );
    if (stored instanceof ActiveRunLimitError) throw tooManyActiveRuns(stored.limit);
    // A retry of a stored message, or of one stored a moment ago by a concurrent retry.
    if (!stored) return repeatedSend(input.userId, input.clientMessageId);
    const { conversationId } = stored.userMessage;
    announceStored({
      conversationId,
      userMessage: { row: stored.userMessage, files },
      runs: stored.runs,
      mode: input.mode,
    });
    return {
      conversationId,
      userMessageId: stored.userMessage.id,
      runs: stored.runs.map((run) => ({ messageId: run.id, agentId: run.agentId ?? "" })),
    };
  }

  /** The rows of a new user message and of its answers, queued on this node. */
  function newSend(input: {
    userId: string;
    clientMessageId: string;
    conversationId: string;
    text: string;
    agentIds: string[];
  }): Pick<SendInput, "userMessage" | "runs"> {
    const { conversationId } = input;
    const userMessageId = randomUUID();
    return {
      userMessage: {
        id: userMessageId,
        conversationId,
        role: "user",
        authorId: input.userId,
        clientMessageId: input.clientMessageId,
        text: input.text,
        status: "complete",
      },
      runs: input.agentIds.map((agentId) => ({
        id: randomUUID(),
        conversationId,
        role: "assistant" as const,
        replyToId: userMessageId,
        agentId,
        status: "queued" as const,
        ownerNode: deps.nodeId,
      })),
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
      const repeated = await admitSend(input.userId, input.clientMessageId);
      if (repeated) return repeated;
      const existing = input.conversationId
        ? await getOwnedConversation(input.userId, input.conversationId)
        : undefined;
      const agentIds = resolveAgentIds(input.agentIds, existing, input.text);
      const files = await filesFor(input, existing?.id, agentIds);
      if (!Array.isArray(files)) return files;
      const conversationId = existing?.id ?? randomUUID();
      const send = newSend({ ...input, conversationId, agentIds });
      return storeAndAnnounce(
        input,
        {
          ...(!existing && {
            newConversation: {
              id: conversationId,
              ownerId: input.userId,
              title: titleFromText(input.text, files[0]?.name),
              agentIds,
            },
          }),
          ...send,
          attachmentIds: files.map((file) => file.id),
        },
        files,
      );
    },

    async editMessage(input) {
      const from = await branchingFrom(input, "user");
      if (!("original" in from)) return from;
      const { original } = from;
      const { conversationId } = input;
      // The edit asks again whoever the original asked, with the same files.
      const answered = (await store.listRepliesByMessageId({ replyToId: original.id })).flatMap((reply) =>
        reply.agentId && roster.get(reply.agentId) ? [reply.agentId] : [],
      );
      const agentIds =
        answered.length > 0 ? [...new Set(answered)] : resolveAgentIds(undefined, undefined, input.text);
      const files =
        attachmentsByMessage(await store.listMessageAttachmentsByConversationId({ conversationId })).get(
          original.id,
        ) ?? [];
      if (!input.text.trim() && files.length === 0) {
        throw new AppError("bad_request:message", "A message needs some text");
      }
      const send = newSend({ ...input, agentIds });
      return storeAndAnnounce(
        input,
        { ...send, parentId: original.parentId, attachmentIds: files.map((file) => file.id) },
        files,
      );
    },

    async regenerate(input) {
      const from = await branchingFrom(input, "assistant");
      if (!("original" in from)) return from;
      const { original } = from;
      const { conversationId } = input;
      const agentId = input.agentId ?? original.agentId ?? "";
      if (!roster.get(agentId)) throw new AppError("bad_request:message", `Unknown agent: ${agentId}.`);
      if (!original.parentId || !original.replyToId) {
        throw new AppError("bad_request:message", "This answer has no question to answer again.");
      }
      const stored = await store.storeRegenerate({
        authorId: input.userId,
        clientMessageId: input.clientMessageId,
        answer: {
          id: randomUUID(),
          conversationId,
          role: "assistant",
          parentId: original.parentId,
          replyToId: original.replyToId,
          agentId,
          status: "queued",
          ownerNode: deps.nodeId,
        },
        maxActiveRuns: deps.limits.maxActiveRunsPerUser,
      });
      if (stored instanceof ActiveRunLimitError) throw tooManyActiveRuns(stored.limit);
      if (!stored) return repeatedSend(input.userId, input.clientMessageId);
      announceStored({ conversationId, runs: [stored] });
      return { conversationId, userMessageId: original.replyToId, runs: [{ messageId: stored.id, agentId }] };
    },

    async switchBranch({ userId, conversationId, messageId }) {
      await getOwnedConversation(userId, conversationId);
      const activeLeafId = await store.switchBranch({ conversationId, messageId });
      if (!activeLeafId) {
        throw new AppError("not_found:message", "No message of this conversation's branches has this id.");
      }
      deps.announceBranch({ conversationId, activeLeafId });
      return { activeLeafId };
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
      const { id, title, visibility, messages, activeLeafId, otherBranches, inProgress } = withMessages(
        row,
        stored,
        live,
      );
      return { conversation: { id, title, visibility, messages, activeLeafId, otherBranches }, inProgress };
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
