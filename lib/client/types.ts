import type {
  Attachment,
  ErrorInfo,
  JoinConversationResult,
  SendMessageResult,
  ServerToClientEvents,
  TurnMode,
  UnavailableReason,
} from "../protocol";
import type { AssistantEntry } from "./run";

export type UserEntry = {
  kind: "user";
  /** Stable React key: the clientMessageId for messages sent from this tab, else the id. */
  key: string;
  /** Server id, null until the send is acknowledged. */
  id: string | null;
  clientMessageId: string | null;
  text: string;
  createdAt: string;
  sendState: "pending" | "sent" | "failed";
  sendError: ErrorInfo | null;
  /** Agents this tab asked for, and how, to resend to the same ones the same way. */
  agentIds: string[] | null;
  /** Absent: sequential. */
  mode?: TurnMode;
  /** The files it carries, in order; absent when none. */
  attachments?: Attachment[];
  /** The message before it on its branch (null: the first); undefined until the server has placed it. */
  parentId?: string | null;
  /** For an edit made in this tab: the message it stands beside, and the leaf shown before it. */
  editOf?: { messageId: string; leafBefore: string | null | undefined };
};

export type ChatEntry = UserEntry | AssistantEntry;

/** The browser's view of one conversation. */
export type ChatState = {
  conversationId: string | null;
  entries: ChatEntry[];
  /** Agent names by id, for answers known only by agentId (history, early events). */
  agentNames: Record<string, string>;
  /** Set when the server took this tab out of the conversation; from then on nothing more is applied. */
  unavailable: UnavailableReason | null;
  /**
   * Where the shown branch ends: a message id, or the key of an edit this tab
   * has not had stored yet; null while there is none, undefined while not known.
   */
  activeLeafId: string | null | undefined;
};

export type ServerEvent = {
  [K in keyof ServerToClientEvents]: { name: K; payload: Parameters<ServerToClientEvents[K]>[0] };
}[keyof ServerToClientEvents];

export type ChatAction =
  | { type: "snapshot"; snapshot: JoinConversationResult }
  | { type: "server_event"; event: ServerEvent }
  | {
      type: "local_send";
      clientMessageId: string;
      text: string;
      agentIds: string[] | null;
      mode?: TurnMode;
      attachments?: Attachment[];
      createdAt: string;
    }
  /** A new branch beside a user message, shown in its place at once, until the server stores it. */
  | { type: "local_edit"; clientMessageId: string; messageId: string; text: string; createdAt: string }
  /** An edit is acknowledged like a send. */
  | { type: "send_acked"; clientMessageId: string; result: SendMessageResult }
  /** The server took a new answer beside `messageId`: it is shown in that answer's place. */
  | { type: "regenerate_acked"; messageId: string; result: SendMessageResult }
  /** The owner chose the branch through this message (the server is told; its branch_switched settles it). */
  | { type: "branch_chosen"; messageId: string }
  | { type: "send_failed"; clientMessageId: string; error: ErrorInfo }
  /**
   * Refused before it was stored (over a limit, or an edit that failed): it
   * leaves the list; an edit gives the branch it replaced back.
   */
  | { type: "send_withdrawn"; clientMessageId: string }
  | { type: "send_retried"; clientMessageId: string };
