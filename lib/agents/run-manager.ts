import type { MessageRow } from "../db/schema";
import type { Logger } from "../logger";
import type { InProgressRun, RunRef } from "../protocol";
import type { BaseAgent } from "./base-agent";
import { buildHistory, messagesBefore } from "./history";
import type { AnswerHistory } from "./progress";
import { Run, type RunEvents } from "./run";

export type RunManagerDeps = {
  agents: Map<string, BaseAgent>;
  events: RunEvents;
  history: AnswerHistory;
  coalesceMs: number;
  logger: Logger;
  listMessages(input: { conversationId: string }): Promise<MessageRow[]>;
};

/**
 * Runs the agents' answers. Within one conversation the agents take turns, so
 * each one sees the answers before its own; conversations run in parallel.
 */
export class RunManager {
  private readonly runs = new Map<string, Run>();
  private readonly queues = new Map<string, Run[]>();
  private readonly finished = new Map<string, Promise<void>>();

  constructor(private readonly deps: RunManagerDeps) {}

  get activeCount(): number {
    return this.runs.size;
  }

  /** Every run of this node not yet ended, queued ones included. */
  active(): Run[] {
    return [...this.runs.values()];
  }

  /** Queues the runs of one user message; they start in the order given. */
  enqueue(conversationId: string, refs: RunRef[]): void {
    const queue = this.queues.get(conversationId) ?? [];
    const wasIdle = queue.length === 0;
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
      if (queue.length > 0) run.queued(`Waiting for ${queue.length} answer(s) before this one`);
      queue.push(run);
    }
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
      const position = queue.indexOf(run);
      if (position > 0) {
        queue.splice(position, 1);
        void this.execute(run);
      }
    }
    return cancelled;
  }

  inProgress(conversationId: string): InProgressRun[] {
    const queue = this.queues.get(conversationId) ?? [];
    return queue.filter((run) => run.isStarted && !run.isEnded).map((run) => run.snapshot());
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
      for (const run of queue.splice(1)) void this.execute(run);
    }
    await all();
  }

  private async work(conversationId: string, queue: Run[]): Promise<void> {
    while (queue.length > 0) {
      const run = queue[0];
      if (run) await this.execute(run);
      if (queue[0] === run) queue.shift();
    }
    if (this.queues.get(conversationId) === queue) this.queues.delete(conversationId);
  }

  private execute(run: Run): Promise<void> {
    const done = this.respond(run).finally(() => {
      this.runs.delete(run.messageId);
      this.finished.delete(run.messageId);
    });
    this.finished.set(run.messageId, done);
    return done;
  }

  private async respond(run: Run): Promise<void> {
    const agent = this.deps.agents.get(run.agentId);
    if (!agent) return;
    // Loaded by the agent after it announces the run, so a failure here is reported like any other.
    const loadHistory = async () =>
      buildHistory({
        messages: messagesBefore(
          await this.deps.listMessages({ conversationId: run.conversationId }),
          run.messageId,
        ),
        agent: agent.profile,
        agentName: (id) => this.deps.agents.get(id)?.profile.name ?? id,
      });
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
