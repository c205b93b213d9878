import type { ApprovalAnswer, StatusReport, ToolEvent } from "../llm/types";
import type {
  AgentMessageEvent,
  AgentProcessingCompleteEvent,
  AgentProcessingErrorEvent,
  AgentProcessingReasoningEvent,
  AgentProcessingStartedEvent,
  AgentProcessingStatusEvent,
  AgentProcessingToolEvent,
  AgentProcessingUpdateEvent,
  FinishReason,
  InProgressRun,
  MessagePart,
  RunError,
  Usage,
} from "../protocol";
import { type Expectation, estimateProgress } from "./progress";
import { PartsBuilder } from "./run-parts";

/** Where a run's events go: the realtime layer broadcasts them to the conversation's room. */
export interface RunEvents {
  started(event: AgentProcessingStartedEvent): void;
  update(event: AgentProcessingUpdateEvent): void;
  reasoning(event: AgentProcessingReasoningEvent): void;
  tool(event: AgentProcessingToolEvent): void;
  complete(event: AgentProcessingCompleteEvent): void;
  error(event: AgentProcessingErrorEvent): void;
  status(event: AgentProcessingStatusEvent): void;
  message(event: AgentMessageEvent): void;
}

export type AbortReason = "cancelled" | "shutdown";

export type RunInit = {
  conversationId: string;
  messageId: string;
  agentId: string;
  agentName: string;
  expected: Expectation;
  coalesceMs: number;
  events: RunEvents;
  /** For a run another agent asked for (`ask_agent`): the answer that asked and its call. */
  parent?: RunParent;
  now?: () => number;
};

export type RunEnding = { finishReason: FinishReason } | { error: RunError };

export type RunParent = { messageId: string; toolCallId: string; depth: number };

/**
 * One agent answering one message: owns the sequence numbers, the text and
 * parts as broadcast so far (the snapshot a late joiner gets) and the abort
 * switch. Every event of the run goes out through here, so seq has no gap
 * across text, reasoning and tool calls, the broadcast text deltas always add up to
 * `text`, and the broadcast deltas of every kind rebuild `parts`.
 */
export class Run {
  readonly conversationId: string;
  readonly messageId: string;
  readonly agentId: string;
  readonly agentName: string;
  readonly parent: RunParent | undefined;
  private readonly controller = new AbortController();
  /** Calls waiting for the owner's approval, each with the function that answers it. */
  private readonly approvals = new Map<string, (answer: ApprovalAnswer) => void>();
  private readonly events: RunEvents;
  private readonly now: () => number;
  private seq = 0;
  private sentText = "";
  private pending = "";
  private pendingTokens = 0;
  private readonly builtParts = new PartsBuilder();
  private reasoningLength = 0;
  private toolInputLength = 0;
  private deltaCount = 0;
  private flushTimer: NodeJS.Timeout | undefined;
  private progress = 0;
  private startedAt = 0;
  private firstTokenAt: number | null = null;
  private ended = false;
  private endedAs: RunEnding | undefined;

  constructor(private readonly init: RunInit) {
    this.conversationId = init.conversationId;
    this.messageId = init.messageId;
    this.agentId = init.agentId;
    this.agentName = init.agentName;
    this.parent = init.parent;
    this.events = init.events;
    this.now = init.now ?? Date.now;
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get abortReason(): AbortReason | undefined {
    return this.controller.signal.aborted ? (this.controller.signal.reason as AbortReason) : undefined;
  }

  get isStarted(): boolean {
    return this.startedAt > 0;
  }

  get isEnded(): boolean {
    return this.ended;
  }

  /** How the run ended, once it has. */
  get ending(): RunEnding | undefined {
    return this.endedAs;
  }

  /** How many agents asked before this one: 0 for an answer to a person. */
  get depth(): number {
    return this.parent?.depth ?? 0;
  }

  /**
   * Waits for the owner's answer to one call: `expired` after timeoutMs,
   * `denied` when the run ends first. Answered through answerApproval.
   */
  awaitApproval(toolCallId: string, timeoutMs: number, signal: AbortSignal): Promise<ApprovalAnswer> {
    return new Promise((resolve) => {
      const settle = (answer: ApprovalAnswer) => {
        clearTimeout(timer);
        signal.removeEventListener("abort", onAbort);
        this.approvals.delete(toolCallId);
        resolve(answer);
      };
      const onAbort = () => settle("denied");
      const timer = setTimeout(() => settle("expired"), timeoutMs);
      this.approvals.set(toolCallId, settle);
      if (signal.aborted) onAbort();
      else signal.addEventListener("abort", onAbort, { once: true });
    });
  }

  /** Answers a call waiting for approval; false when none waits under that id. */
  answerApproval(toolCallId: string, approved: boolean): boolean {
    const settle = this.approvals.get(toolCallId);
    if (!settle) return false;
    settle(approved ? "approved" : "denied");
    return true;
  }

  abort(reason: AbortReason): void {
    if (!this.controller.signal.aborted) this.controller.abort(reason);
  }

  /** What a client joining now needs to continue the stream without a gap. */
  snapshot(): InProgressRun {
    return {
      messageId: this.messageId,
      agentId: this.agentId,
      seq: this.seq,
      text: this.sentText,
      parts: this.builtParts.snapshot(),
      ...this.parentIds(),
    };
  }

  timing(): { firstTokenMs: number | null; totalMs: number } {
    return {
      firstTokenMs: this.firstTokenAt === null ? null : this.firstTokenAt - this.startedAt,
      totalMs: this.now() - this.startedAt,
    };
  }

  queued(detail: string): void {
    this.status({ status: "queued", detail });
  }

  start(model: string): void {
    this.startedAt = this.now();
    this.events.started(this.withIds({ agentName: this.agentName, model, seq: 0, ts: this.startedAt }));
  }

  status(report: StatusReport): void {
    if (this.ended) return;
    this.events.status(this.withIds({ ...report, ts: this.now() }));
  }

  delta(text: string): void {
    if (this.ended || text.length === 0) return;
    this.firstTokenAt ??= this.now();
    this.pending += text;
    this.pendingTokens += 1;
    if (this.init.coalesceMs <= 0) {
      this.flush();
    } else {
      this.flushTimer ??= setTimeout(() => this.flush(), this.init.coalesceMs);
    }
  }

  /**
   * One reasoning delta, one event. Text still waiting in the coalescing
   * window goes out first, so the events keep the order of the stream.
   */
  reasoning(delta: string): void {
    if (this.ended || delta.length === 0) return;
    this.flush();
    const now = this.now();
    this.firstTokenAt ??= now;
    this.reasoningLength += delta.length;
    this.builtParts.reasoning(delta);
    const estimate = this.estimate(now);
    this.events.reasoning(
      this.withIds({
        seq: ++this.seq,
        delta,
        progress: estimate.progress,
        etaMs: estimate.etaMs,
        ts: now,
      }),
    );
  }

  /**
   * One change of a tool call, one event, after any text still waiting in the
   * coalescing window; the call's part is updated in place.
   */
  tool(event: ToolEvent): void {
    if (this.ended) return;
    this.flush();
    const now = this.now();
    this.firstTokenAt ??= now;
    this.toolInputLength += event.inputDelta?.length ?? 0;
    this.builtParts.tool(event);
    const { toolCallId, toolName, state, inputDelta, input, output, errorText, approval } = event;
    const estimate = this.estimate(now);
    this.events.tool(
      this.withIds({
        seq: ++this.seq,
        toolCallId,
        toolName,
        state,
        progress: estimate.progress,
        etaMs: estimate.etaMs,
        ts: now,
        ...(inputDelta !== undefined && { inputDelta }),
        ...(input !== undefined && { input }),
        ...(output !== undefined && { output }),
        ...(errorText !== undefined && { errorText }),
        ...(approval !== undefined && { approval }),
      }),
    );
  }

  complete(result: { text: string; finishReason: FinishReason; usage: Usage }): void {
    this.flush();
    if (this.ended) return;
    this.ended = true;
    this.endedAs = { finishReason: result.finishReason };
    this.events.complete(
      this.withIds({
        seq: ++this.seq,
        text: this.sentText,
        finishReason: result.finishReason,
        parts: this.builtParts.snapshot(),
        usage: result.usage,
        timing: this.timing(),
        ts: this.now(),
      }),
    );
  }

  fail(error: RunError): void {
    this.flush();
    if (this.ended) return;
    this.ended = true;
    this.endedAs = { error };
    this.events.error(
      this.withIds({
        seq: ++this.seq,
        error,
        partialText: this.sentText,
        parts: this.builtParts.snapshot(),
        ts: this.now(),
      }),
    );
  }

  /** The final message, for clients that only follow whole messages. */
  message(input: { text: string; createdAt: string }): void {
    this.events.message({
      conversationId: this.conversationId,
      message: {
        id: this.messageId,
        role: "assistant",
        agentId: this.agentId,
        ...input,
        parts: this.parts,
        ...this.parentIds(),
      },
    });
  }

  /** Upstream deltas broadcast so far. */
  get tokenCount(): number {
    return this.deltaCount;
  }

  /** The text as broadcast; equals what is stored when the run ends. */
  get text(): string {
    return this.sentText + this.pending;
  }

  /** The parts as broadcast, the text still being coalesced included; equal to what is stored. */
  get parts(): MessagePart[] {
    return this.builtParts.snapshot(this.pending);
  }

  /** Characters streamed so far, reasoning and tool inputs included: what the progress estimate counts. */
  get streamedLength(): number {
    return this.reasoningLength + this.toolInputLength + this.text.length;
  }

  private flush(): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (this.ended || this.pending.length === 0) return;
    const delta = this.pending;
    this.sentText += delta;
    this.deltaCount += this.pendingTokens;
    this.pending = "";
    this.pendingTokens = 0;
    this.builtParts.text(delta);
    const now = this.now();
    const estimate = this.estimate(now);
    this.events.update(
      this.withIds({
        seq: ++this.seq,
        delta,
        textLength: this.sentText.length,
        tokenCount: this.deltaCount,
        progress: estimate.progress,
        etaMs: estimate.etaMs,
        ts: now,
      }),
    );
  }

  /** Progress over reasoning, tool inputs and text alike, never lower than what was already sent. */
  private estimate(now: number): { progress: number; etaMs: number } {
    const estimate = estimateProgress({
      textLength: this.reasoningLength + this.toolInputLength + this.sentText.length,
      expected: this.init.expected,
      msSinceFirstToken: now - (this.firstTokenAt ?? now),
    });
    this.progress = Math.max(this.progress, estimate.progress);
    return { progress: this.progress, etaMs: estimate.etaMs };
  }

  /**
   * An event of this run: its ids, then its fields. The ids come first as
   * properties of their own: on Node 20's V8 every property written after a
   * spread costs a slow transition (about 0.6 µs), which made building a
   * token's event cost more than sending it.
   */
  private withIds<Fields extends object>(fields: Fields): RunIds & Fields {
    if (this.parent === undefined)
      return {
        conversationId: this.conversationId,
        messageId: this.messageId,
        agentId: this.agentId,
        ...fields,
      };
    return {
      conversationId: this.conversationId,
      messageId: this.messageId,
      agentId: this.agentId,
      parentMessageId: this.parent.messageId,
      parentToolCallId: this.parent.toolCallId,
      ...fields,
    };
  }

  private parentIds(): { parentMessageId?: string; parentToolCallId?: string } {
    return this.parent
      ? { parentMessageId: this.parent.messageId, parentToolCallId: this.parent.toolCallId }
      : {};
  }
}

type RunIds = {
  conversationId: string;
  messageId: string;
  agentId: string;
  parentMessageId?: string;
  parentToolCallId?: string;
};
