import { randomUUID } from "node:crypto";
import type { ChatTurn } from "../llm/types";
import type { Logger } from "../logger";
import type { InProgressRun, RunRef, TurnMode } from "../protocol";
import type { BaseAgent } from "./base-agent";
import { branchBefore, buildHistory, type HistoryMessage } from "./history";
import type { AnswerHistory } from "./progress";
import { Run, type RunEvents } from "./run";
import type { Consult, ConsultOutcome } from "./tools/ask-agent";

export type RunManagerDeps = {
  agents: Map<string, BaseAgent>;
  events: RunEvents;
  history: AnswerHistory;
  coalesceMs: number;
  logger: Logger;
  listMessages(input: { conversationId: string }): Promise<HistoryMessage[]>;
  /** Stores the row of an answer another agent asked for, before it starts. */
  storeNestedRun(input: {
    id: string;
    conversationId: string;
    agentId: string;
    parentMessageId: string;
    parentToolCallId: string;
  }): Promise<void>;
  /**
   * With several replicas: whether answers of earlier messages of the
   * conversation are still queued or streaming on another one. A turn starts
   * only once none are (a replica that dies has its runs interrupted, which
   * frees the turn).
   */
  turnTakenElsewhere?(run: Run): Promise<boolean>;
  /** How often a turn held elsewhere is looked at again; default 250 ms. */
  turnPollMs?: number;
};

/**
 * Runs the agents' answers. Within one conversation the messages take turns:
 * the answers of a message start once those of the messages before it have
 * ended, so each sees everything before it. A message's own answers run one
 * after another or, in parallel mode, together. Conversations run in parallel.
 */
export class RunManager {
  private readonly runs = new Map<string, Run>();
  private readonly queues = new Map<string, Run[]>();
  /** The answers of a parallel message, by each of its runs. */
  private readonly together = new Map<Run, Run[]>();
  private readonly finished = new Map<string, Promise<void>>();
  /** Answers other agents asked for (`ask_agent`), by conversation; they run at once, inside their asker's turn. */
  private readonly nested = new Map<string, Set<Run>>();

  constructor(private readonly deps: RunManagerDeps) {}

  get activeCount(): number {
    return this.runs.size;
  }

  /** Every run of this node not yet ended, queued ones included. */
  active(): Run[] {
    return [...this.runs.values()];
  }

  /** Queues the runs of one user message: in the order given, or all at once in parallel mode. */
  enqueue(conversationId: string, refs: RunRef[], mode: TurnMode = "sequential"): void {
    const queue = this.queues.get(conversationId) ?? [];
    const wasIdle = queue.length === 0;
    const ahead = queue.length;
    const turn: Run[] = [];
    for (const ref of refs) {
      const agent = this.deps.agents.get(ref.agentId);
      if (!agent) throw new Error(`unknown agent ${ref.agentId}`);
      const run = new Run({
        conversationId,
        messageId: ref.messageId,
        agentId: ref.agentId,
        agentName: agent.profile.name,
        expected: this.deps.history.expect(ref.agentId, agent.profile.maxOutputTokens),
        coalesceMs: this.deps.coalesceMs,
        events: this.deps.events,
      });
      this.runs.set(run.messageId, run);
      const waitingFor = mode === "parallel" ? ahead : queue.length;
      if (waitingFor > 0) run.queued(`Waiting for ${waitingFor} answer(s) before this one`);
      queue.push(run);
      turn.push(run);
    }
    if (mode === "parallel" && turn.length > 1) for (const run of turn) this.together.set(run, turn);
    this.queues.set(conversationId, queue);
    if (wasIdle) void this.work(conversationId, queue);
  }

  /** Cancels one run, or every run of the conversation; returns the ids it cancelled. */
  cancel(conversationId: string, messageId?: string): string[] {
    const cancelled: string[] = [];
    const queue = this.queues.get(conversationId) ?? [];
    for (const run of [...queue]) {
      if (messageId && run.messageId !== messageId) continue;
      if (run.isEnded || run.signal.aborted) continue;
      run.abort("cancelled");
      cancelled.push(run.messageId);
      // A run still waiting for its turn ends now rather than when its turn comes.
      if (!this.finished.has(run.messageId)) {
        queue.splice(queue.indexOf(run), 1);
        this.together.delete(run);
        void this.execute(run);
      }
    }
    // An asked answer ends with its asker; it may also be stopped on its own.
    for (const run of this.nested.get(conversationId) ?? []) {
      if (messageId && run.messageId !== messageId) continue;
      if (run.isEnded || run.signal.aborted) continue;
      run.abort("cancelled");
      cancelled.push(run.messageId);
    }
    return cancelled;
  }

  /** Answers a tool call waiting for the owner's approval; false when this node has no such call waiting. */
  approve(input: {
    conversationId: string;
    messageId: string;
    toolCallId: string;
    approved: boolean;
  }): boolean {
    const run = this.runs.get(input.messageId);
    if (!run || run.conversationId !== input.conversationId) return false;
    return run.answerApproval(input.toolCallId, input.approved);
  }

  /**
   * Runs another agent's answer for `ask_agent`, at once and nested in the
   * asking run: stored and streamed like any answer, with the asker's ids,
   * stopped with it. The asked agent sees what the asker saw, then the question.
   */
  async consult(parent: Run, input: Parameters<Consult>[0]): Promise<ConsultOutcome> {
    const agent = this.deps.agents.get(input.agentId);
    if (!agent) throw new Error(`There is no agent "${input.agentId}" to ask.`);
    const messageId = randomUUID();
    const { conversationId } = parent;
    await this.deps.storeNestedRun({
      id: messageId,
      conversationId,
      agentId: input.agentId,
      parentMessageId: parent.messageId,
      parentToolCallId: input.toolCallId,
    });
    const run = new Run({
      conversationId,
      messageId,
      agentId: input.agentId,
      agentName: agent.profile.name,
      expected: this.deps.history.expect(input.agentId, agent.profile.maxOutputTokens),
      coalesceMs: this.deps.coalesceMs,
      events: this.deps.events,
      parent: { messageId: parent.messageId, toolCallId: input.toolCallId, depth: parent.depth + 1 },
    });
    const siblings = this.nested.get(conversationId) ?? new Set<Run>();
    this.nested.set(conversationId, siblings.add(run));
    this.runs.set(messageId, run);
    const stop = () => run.abort(parent.abortReason === "shutdown" ? "shutdown" : "cancelled");
    if (input.signal.aborted) stop();
    else input.signal.addEventListener("abort", stop, { once: true });
    try {
      await this.respond(run, {
        before: parent.messageId,
        question: { role: "user", content: `[${parent.agentName} asks you]: ${input.question}` },
      });
    } finally {
      input.signal.removeEventListener("abort", stop);
      this.runs.delete(messageId);
      siblings.delete(run);
      if (siblings.size === 0) this.nested.delete(conversationId);
    }
    const ending = run.ending;
    if (ending && "finishReason" in ending && ending.finishReason !== "cancelled")
      return { status: "complete", text: run.text };
    if (ending && "error" in ending) return { status: "error", text: run.text, error: ending.error.message };
    return { status: "cancelled", text: run.text };
  }

  /**
   * Takes runs out of the conversation's queue before they start, without a
   * trace: no event, no outcome. All or none: when one of them is under way
   * (or not here), nothing is taken and the answer is [].
   */
  withdraw(conversationId: string, messageIds: string[]): string[] {
    const queue = this.queues.get(conversationId) ?? [];
    const runs = messageIds.map((id) => queue.find((run) => run.messageId === id));
    if (runs.length === 0 || runs.some((run) => !run || run.isStarted || this.finished.has(run.messageId)))
      return [];
    for (const run of runs as Run[]) {
      queue.splice(queue.indexOf(run), 1);
      this.runs.delete(run.messageId);
      this.together.delete(run);
    }
    return messageIds;
  }

  inProgress(conversationId: string): InProgressRun[] {
    const queue = this.queues.get(conversationId) ?? [];
    const nested = this.nested.get(conversationId) ?? [];
    return [...queue, ...nested].filter((run) => run.isStarted && !run.isEnded).map((run) => run.snapshot());
  }

  /** Lets runs finish for up to graceMs, then stops the rest as interrupted. */
  async drain(graceMs: number): Promise<void> {
    const all = () => Promise.allSettled([...this.finished.values()]);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), graceMs);
    });
    const outcome = await Promise.race([all(), timedOut]);
    clearTimeout(timer);
    if (outcome !== "timeout") return;
    for (const run of this.runs.values()) run.abort("shutdown");
    for (const queue of this.queues.values()) {
      // Runs still waiting for their turn end now; those of the turn under way end as it does.
      const waiting = queue.filter((run) => !run.isStarted && !this.finished.has(run.messageId));
      for (const run of waiting) {
        queue.splice(queue.indexOf(run), 1);
        void this.execute(run);
      }
    }
    await all();
  }

  private async work(conversationId: string, queue: Run[]): Promise<void> {
    while (queue.length > 0) {
      const head = queue[0] as Run;
      await this.untilTurnIsHere(head);
      // The head's turn: its message's answers still queued (not cancelled or withdrawn meanwhile), when they run together.
      const turn = (this.together.get(head) ?? [head]).filter((run) => queue.includes(run));
      await Promise.all(turn.map((run) => this.execute(run)));
      for (const run of turn) {
        const position = queue.indexOf(run);
        if (position >= 0) queue.splice(position, 1);
        this.together.delete(run);
      }
    }
    if (this.queues.get(conversationId) === queue) this.queues.delete(conversationId);
  }

  /** Waits while another replica still runs answers to earlier messages; a cancelled or withdrawn run waits no more. */
  private async untilTurnIsHere(run: Run): Promise<void> {
    const elsewhere = this.deps.turnTakenElsewhere;
    if (!elsewhere) return;
    let told = false;
    while (!run.signal.aborted && this.runs.has(run.messageId)) {
      const waiting = await elsewhere(run).catch((error: unknown) => {
        this.deps.logger.warn({ messageId: run.messageId, err: error }, "could not check the turn; starting");
        return false;
      });
      if (!waiting) return;
      if (!told) run.queued("Waiting for answers running on another replica");
      told = true;
      await new Promise((resolve) => setTimeout(resolve, this.deps.turnPollMs ?? 250));
    }
  }

  private execute(run: Run): Promise<void> {
    const done = this.respond(run).finally(() => {
      this.runs.delete(run.messageId);
      this.finished.delete(run.messageId);
    });
    this.finished.set(run.messageId, done);
    return done;
  }

  /**
   * The agent reads the branch before `before` (its own answer by default),
   * then `question` when another agent asked it one.
   */
  private async respond(
    run: Run,
    seen: { before: string; question?: ChatTurn } = { before: run.messageId },
  ): Promise<void> {
    const agent = this.deps.agents.get(run.agentId);
    if (!agent) return;
    // Loaded by the agent after it announces the run, so a failure here is reported like any other.
    const loadHistory = async () => {
      const messages = await this.deps.listMessages({ conversationId: run.conversationId });
      const turns = buildHistory({
        messages: branchBefore(messages, seen.before),
        agent: agent.profile,
        agentName: (id) => this.deps.agents.get(id)?.profile.name ?? id,
      });
      return seen.question ? [...turns, seen.question] : turns;
    };
    try {
      await agent.respond(run, loadHistory);
    } catch (error) {
      this.deps.logger.error({ messageId: run.messageId, err: error }, "run failed outside the agent");
      run.fail({
        code: "internal",
        message: "The answer failed because of an error on our side.",
        retryable: true,
      });
    }
  }
}
