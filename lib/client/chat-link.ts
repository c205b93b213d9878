import type {
  Ack,
  AckError,
  ApproveToolCallPayload,
  ErrorInfo,
  JoinConversationPayload,
  SendMessageResult,
  SwitchBranchResult,
  TurnMode,
} from "../protocol";
import { serverEvents } from "../protocol/events";
import { ConversationSync } from "./conversation-sync";
import {
  type ChatLinkTiming,
  defaultTiming,
  sendUntilAcknowledged,
  type TimedSocket,
  timeoutError,
} from "./delivery";
import type { ChatSocket } from "./socket";
import type { ChatAction, ServerEvent } from "./types";

export type { ChatLinkTiming } from "./delivery";

export type ChatLinkOptions = {
  socket: ChatSocket;
  dispatch(action: ChatAction): void;
  /** What to follow; null on a new chat until its first send creates the conversation. */
  target: JoinConversationPayload | null;
  onJoinError?(error: ErrorInfo | null): void;
  onConversationCreated?(conversationId: string): void;
  /** A message reached the server. */
  onSent?(conversationId: string): void;
  /**
   * The server refused a message over a limit (`rate_limited`) without storing
   * it: it is taken out of the list and handed back here, to be sent again later.
   */
  onRefused?(message: OutgoingMessage, error: AckError["error"]): void;
  timing?: Partial<ChatLinkTiming>;
};

export type OutgoingMessage = {
  clientMessageId: string;
  text: string;
  agentIds: string[] | null;
  /** Absent: sequential. */
  mode?: TurnMode;
  /** Files uploaded for it, in order. */
  attachmentIds?: string[];
};

/** Which call the owner answers, and how. */
export type ToolCallAnswer = Omit<ApproveToolCallPayload, "conversationId">;

/** New words for a stored user message: a new branch beside it. */
export type OutgoingEdit = { clientMessageId: string; messageId: string; text: string };

const noConversation: ErrorInfo = { code: "not_found:conversation", message: "No conversation." };

const isServerEvent = (name: string): name is ServerEvent["name"] =>
  (serverEvents as readonly string[]).includes(name);

/**
 * The browser's side of one conversation over Socket.IO, free of React so the
 * same code runs in tests: it joins and joins again whenever the server lost
 * the session (a session Socket.IO recovered replays what was missed instead),
 * feeds snapshots and room events to the reducer in order, and delivers each
 * message until it is acknowledged, always under the same clientMessageId so
 * the server never starts a run twice.
 */
export class ChatLink {
  private readonly timing: ChatLinkTiming;
  private readonly sync: ConversationSync;
  private target: JoinConversationPayload | null;
  /** A join was cut off by a disconnection: the next connection joins even if recovered. */
  private joinLost = false;
  /** A second send on a new chat waits for the first to create the conversation. */
  private creating: Promise<string | null> | null = null;
  /** The conversation a share link led to, once a join said which. */
  private joinedId: string | null = null;
  /** Conversations the server took this socket out of: joining them again is pointless. */
  private readonly unavailable = new Set<string>();

  constructor(private readonly options: ChatLinkOptions) {
    this.timing = { ...defaultTiming, ...options.timing };
    this.sync = new ConversationSync(options.dispatch);
    this.target = options.target;
  }

  /** Starts following the conversation; returns the function that stops. */
  open(): () => void {
    const { socket } = this.options;
    const onAny = (name: string, payload: unknown) => {
      if (!isServerEvent(name)) return;
      const event = { name, payload } as ServerEvent;
      if (event.name === "conversation_unavailable") this.unavailable.add(event.payload.conversationId);
      this.sync.receive(event);
    };
    const onConnect = () => {
      if (!socket.recovered || this.joinLost) this.join();
    };
    socket.onAny(onAny);
    socket.on("connect", onConnect);
    if (socket.connected) this.join();
    return () => {
      socket.offAny(onAny);
      socket.off("connect", onConnect);
      const conversationId = this.conversationId();
      if (conversationId) socket.emit("leave_conversation", { conversationId }, () => {});
    };
  }

  /** Asks for a snapshot; room events arriving meanwhile are applied after it. */
  join(): void {
    const { socket, onJoinError } = this.options;
    const target = this.target;
    if (!target) return;
    const known = this.conversationId() ?? this.joinedId;
    if (known && this.unavailable.has(known)) return;
    this.joinLost = false;
    this.sync.beginJoin();
    // Callback acks run in the same tick as the packet, before any later event is handled.
    socket.timeout(this.timing.joinTimeoutMs).emit("join_conversation", target, (err, ack) => {
      if (err && !socket.connected) {
        // The next connection joins again (see open), and its snapshot comes first.
        this.joinLost = true;
        this.sync.lost();
        return;
      }
      if (err || !ack.ok) {
        this.sync.failed();
        onJoinError?.(err ? timeoutError : ack.ok ? null : ack.error);
        return;
      }
      onJoinError?.(null);
      this.joinedId = ack.conversation.id;
      this.sync.joined(ack);
    });
  }

  /** Sends one message and reports the outcome to the reducer as send_acked or send_failed. */
  async deliver(message: OutgoingMessage): Promise<void> {
    const { dispatch } = this.options;
    let conversationId = this.conversationId();
    if (!conversationId && this.creating) conversationId = await this.creating;
    let settle: (id: string | null) => void = () => {};
    if (!conversationId) {
      this.creating = new Promise((resolve) => {
        settle = resolve;
      });
    }
    const payload = {
      ...(conversationId ? { conversationId } : {}),
      ...(message.agentIds ? { agentIds: message.agentIds } : {}),
      ...(message.mode === "parallel" ? { mode: message.mode } : {}),
      ...(message.attachmentIds?.length ? { attachmentIds: message.attachmentIds } : {}),
      text: message.text,
      clientMessageId: message.clientMessageId,
    };
    const { ack, attempts } = await this.untilAcknowledged((socket) =>
      socket.emitWithAck("send_message", payload),
    );
    const { clientMessageId } = message;
    if (!ack?.ok) {
      const { onRefused } = this.options;
      if (ack?.ok === false && ack.error.code === "rate_limited" && onRefused) {
        dispatch({ type: "send_withdrawn", clientMessageId });
        onRefused(message, ack.error);
      } else {
        const error = ack?.ok === false ? ack.error : timeoutError;
        dispatch({ type: "send_failed", clientMessageId, error });
      }
      settle(null);
      if (!conversationId) this.creating = null;
      return;
    }
    dispatch({ type: "send_acked", clientMessageId, result: ack });
    settle(ack.conversationId);
    if (!this.target) {
      this.target = { conversationId: ack.conversationId };
      this.options.onConversationCreated?.(ack.conversationId);
    }
    this.acknowledged(ack.conversationId, attempts);
  }

  /**
   * Sends an edit until it is acknowledged (the same clientMessageId each
   * time), then reports it to the reducer like a send; one the server did not
   * take is withdrawn, and its refusal returned for the user to see.
   */
  async deliverEdit(edit: OutgoingEdit): Promise<ErrorInfo | null> {
    const { dispatch } = this.options;
    const { clientMessageId } = edit;
    const conversationId = this.conversationId();
    if (!conversationId) {
      dispatch({ type: "send_withdrawn", clientMessageId });
      return noConversation;
    }
    const { ack, attempts } = await this.untilAcknowledged((socket) =>
      socket.emitWithAck("edit_message", { conversationId, ...edit }),
    );
    if (!ack?.ok) {
      dispatch({ type: "send_withdrawn", clientMessageId });
      return ack?.ok === false ? ack.error : timeoutError;
    }
    dispatch({ type: "send_acked", clientMessageId, result: ack });
    this.acknowledged(ack.conversationId, attempts);
    return null;
  }

  /** Asks for a new answer beside a finished one, by the same agent or `agentId`; returns a refusal, if any. */
  async regenerate(messageId: string, agentId: string | undefined, clientMessageId: string) {
    const conversationId = this.conversationId();
    if (!conversationId) return noConversation;
    const payload = { conversationId, messageId, clientMessageId, ...(agentId ? { agentId } : {}) };
    const { ack, attempts } = await this.untilAcknowledged((socket) =>
      socket.emitWithAck("regenerate", payload),
    );
    if (!ack?.ok) return ack?.ok === false ? ack.error : timeoutError;
    this.options.dispatch({ type: "regenerate_acked", messageId, result: ack });
    this.acknowledged(ack.conversationId, attempts);
    return null;
  }

  /** Makes the branch through this message the active one, for every viewer. */
  switchBranch(messageId: string): Promise<Ack<SwitchBranchResult>> {
    return this.askOnce((socket, conversationId) =>
      socket.emitWithAck("switch_branch", { conversationId, messageId }),
    );
  }

  /** The owner's answer to a tool call waiting for approval. */
  answerApproval(answer: ToolCallAnswer): Promise<Ack> {
    return this.askOnce((socket, conversationId) =>
      socket.emitWithAck("approve_tool_call", { conversationId, ...answer }),
    );
  }

  /** One request of the owner's, sent once: a lost acknowledgement reads as a timeout. */
  private async askOnce<T extends object>(
    ask: (socket: TimedSocket, conversationId: string) => Promise<Ack<T>>,
  ): Promise<Ack<T>> {
    const conversationId = this.conversationId() ?? this.joinedId;
    if (!conversationId) return { ok: false, error: noConversation };
    try {
      return await ask(this.options.socket.timeout(this.timing.ackTimeoutMs), conversationId);
    } catch {
      return { ok: false, error: timeoutError };
    }
  }

  /** A message was taken: the conversation list may have changed. */
  private acknowledged(conversationId: string, attempts: number): void {
    this.options.onSent?.(conversationId);
    // While the acknowledgement was lost, so may have been the run's first events.
    if (attempts > 1) this.join();
  }

  private untilAcknowledged(send: (socket: TimedSocket) => Promise<Ack<SendMessageResult>>) {
    return sendUntilAcknowledged(this.options.socket, this.timing, send);
  }

  private conversationId(): string | null {
    return this.target && "conversationId" in this.target ? this.target.conversationId : null;
  }
}
