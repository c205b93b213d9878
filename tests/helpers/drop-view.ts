import { isDeepStrictEqual } from "node:util";
import { io } from "socket.io-client";
import { ChatLink } from "@/lib/client/chat-link";
import {
  type AssistantEntry,
  type ChatAction,
  type ChatState,
  chatReducer,
  initialChatState,
  isTerminal,
} from "@/lib/client/state";
import type { JoinConversationResult } from "@/lib/protocol";
import type { TestSocket } from "./client";
import { asSent, type ExpectedAnswer, textOfParts } from "./parts-replay";

/** What a view checks its answer against, and where it connects. */
export type ViewOptions = { baseUrl: string; cookie: string; expected: ExpectedAnswer };

/** A socket like the browser's: same options, reconnecting quickly so a test does not idle. */
export function browserLikeSocket(baseUrl: string, cookie: string): TestSocket {
  return io(baseUrl, {
    path: "/socket.io",
    transports: ["websocket"],
    extraHeaders: { cookie },
    forceNew: true,
    reconnectionDelay: 20,
    reconnectionDelayMax: 100,
  });
}

/** One browser tab: a socket, a ChatLink and the reducer's state, checked after every action. */
export class View {
  state: ChatState;
  readonly socket: TestSocket;
  readonly link: ChatLink;
  private readonly close: () => void;
  private readonly seen = new Set<string>();
  endedBy: "stream" | "snapshot" | "none" = "none";
  receivedTwice = 0;
  ignoredBySeq = 0;
  /** States checked while the answer streamed, past its start. */
  checkedMidStream = 0;
  sends = 0;
  /** What this tab went through, to read when a run fails. */
  readonly trace: string[] = [];
  private wake: () => void = () => {};

  constructor(
    readonly options: ViewOptions,
    readonly problems: string[],
    snapshot: JoinConversationResult | null,
  ) {
    this.state = initialChatState({ agentNames: {}, snapshot });
    this.socket = browserLikeSocket(options.baseUrl, options.cookie);
    this.socket.onAnyOutgoing((event) => {
      if (event === "send_message") this.sends += 1;
      this.trace.push(`> ${event}`);
    });
    this.socket.on("connect", () => this.trace.push(this.socket.recovered ? "connect recovered" : "connect"));
    this.socket.on("disconnect", (reason) => this.trace.push(`disconnect ${reason}`));
    this.socket.onAny((name: string, payload: { messageId?: string; seq?: number }) => {
      this.trace.push(`< ${name}${payload?.seq === undefined ? "" : ` ${payload.seq}`}`);
      if (payload?.messageId === undefined || payload.seq === undefined) return;
      const key = `${name}:${payload.messageId}:${payload.seq}`;
      if (this.seen.has(key)) this.receivedTwice += 1;
      this.seen.add(key);
    });
    this.link = new ChatLink({
      socket: this.socket,
      dispatch: (action) => this.dispatch(action),
      target: snapshot ? { conversationId: snapshot.conversation.id } : null,
      onJoinError: (error) => {
        if (error) problems.push(`join failed: ${error.code}`);
      },
      timing: { ackTimeoutMs: 3_000, sendGiveUpMs: 15_000 },
    });
    this.close = this.link.open();
  }

  /** A connection drops once it is up; cutting a handshake would only test the test. */
  connected(): Promise<void> {
    if (this.socket.connected) return Promise.resolve();
    return new Promise((resolve) => this.socket.once("connect", () => resolve()));
  }

  answer(): AssistantEntry | undefined {
    return this.state.entries.find((entry): entry is AssistantEntry => entry.kind === "assistant");
  }

  get conversationId(): string | null {
    return this.state.conversationId;
  }

  async ended(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.isEnded()) {
      if (Date.now() > deadline) return false;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        setTimeout(resolve, 50);
      });
    }
    return true;
  }

  isEnded(): boolean {
    const answer = this.answer();
    return answer !== undefined && isTerminal(answer.phase);
  }

  dispose(): void {
    this.close();
    this.socket.disconnect();
  }

  private dispatch(action: ChatAction): void {
    const before = this.answer();
    this.state = chatReducer(this.state, action);
    const after = this.answer();
    if (action.type !== "server_event") this.trace.push(`${action.type} (seq ${after?.seq ?? "-"})`);
    const isUpdate = action.type === "server_event" && action.event.name === "agent_processing_update";
    if (isUpdate && after === before && before && !isTerminal(before.phase)) this.ignoredBySeq += 1;
    if (after) this.check(before, after, action);
    this.wake();
  }

  /**
   * The reducer's message at seq s must be exactly what the first s events make
   * of it (reasoning, tool calls and text): no gap, no repeat, no reordering.
   */
  private check(before: AssistantEntry | undefined, after: AssistantEntry, action: ChatAction): void {
    const { partsAt } = this.options.expected;
    const last = partsAt.length - 1;
    const final = partsAt[last] ?? [];
    const full = textOfParts(final);
    if (!isTerminal(after.phase)) {
      if (after.seq) this.checkedMidStream += 1;
      if (after.seq !== null && !isDeepStrictEqual(asSent(after.parts), asSent(partsAt[after.seq]))) {
        this.problems.push(`at seq ${after.seq} the message is not what the first ${after.seq} events make`);
      }
      if (after.text !== textOfParts(after.parts)) this.problems.push("the text is not the text parts");
      if (!full.startsWith(after.text)) this.problems.push("the text shown is not a prefix of the answer");
      if (before && after.text.length < before.text.length) this.problems.push("the text shrank");
      return;
    }
    if (before && isTerminal(before.phase)) return;
    if (after.phase !== "complete") this.problems.push(`the answer ended ${after.phase}`);
    if (after.text !== full) this.problems.push("the final text differs from the gateway's");
    if (!isDeepStrictEqual(after.parts, final))
      this.problems.push("the final parts differ from the streamed ones");
    if (action.type === "server_event") {
      this.endedBy = "stream";
      if (before?.seq !== last || !isDeepStrictEqual(asSent(before.parts), asSent(final))) {
        this.problems.push(`only ${before?.seq ?? "no"} of ${last} events arrived before the end`);
      }
    } else {
      this.endedBy = "snapshot";
    }
  }
}
