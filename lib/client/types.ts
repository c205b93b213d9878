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
  | { type: "send_acked"; clientMessageId: string; result: SendMessageResult }
  | { type: "send_failed"; clientMessageId: string; error: ErrorInfo }
  /** Refused before it was stored (over a limit): it goes back to the composer, not into the list. */
  | { type: "send_withdrawn"; clientMessageId: string }
  | { type: "send_retried"; clientMessageId: string };
