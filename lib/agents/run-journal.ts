import type { InterruptedRun, Store } from "../db/queries";
import type { Logger } from "../logger";
import { partsOfText } from "../protocol/parts";
import type { Run, RunEvents } from "./run";
import { interruptedError } from "./run-errors";

export type JournalStore = Pick<
  Store,
  | "checkpointRuns"
  | "touchRunsByIds"
  | "markRunsInterruptedByNode"
  | "markUnfinishedRunsInterrupted"
  | "markStaleRunsInterrupted"
>;

export type RunJournalOptions = {
  nodeId: string;
  /**
   * The only replica on this database (no REDIS_URL): at start-up every
   * unfinished run is this node's, whatever id it had before.
   */
  singleNode: boolean;
  store: JournalStore;
  /** Where interrupted runs are announced: the conversations' rooms. */
  events: Pick<RunEvents, "error">;
  /** This node's runs not yet ended. */
  activeRuns: () => Run[];
  /** How often the partial text and parts of streaming runs are stored. */
  checkpointMs: number;
  /** How often every unfinished run of this node shows a sign of life, and stale runs are looked for. */
  heartbeatMs: number;
  /** Silence after which another node's runs are taken for dead. */
  staleAfterMs: number;
  logger: Logger;
  now?: () => number;
};

/**
 * Keeps the database's view of this node's runs close to the truth, so that a
 * crash loses at most one checkpoint interval of text and reasoning and no run stays
 * "streaming" forever: periodic checkpoints of each run's text (off the token
 * path, one write at a time, never over a finished answer), heartbeats, and the
 * interrupted marking of runs left behind by this node's previous life or by a
 * node that is gone.
 */
export class RunJournal {
  private readonly options: RunJournalOptions;
  private readonly now: () => number;
  /** The seq stored for each run, so unchanged runs are not written again. */
  private readonly stored = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private working: Promise<void> | null = null;
  private lastHeartbeat = 0;
  private failing = false;

  constructor(options: RunJournalOptions) {
    this.options = options;
    this.now = options.now ?? Date.now;
  }

  /**
   * At start-up, before this node takes any run: whatever it left queued or
   * streaming was cut off by its previous process (a crash, `kill -9`, a lost
   * pod), and is stored as interrupted with its last checkpoint.
   */
  async recoverOwn(): Promise<InterruptedRun[]> {
    const { store, nodeId, singleNode } = this.options;
    const rows = singleNode
      ? await store.markUnfinishedRunsInterrupted()
      : await store.markRunsInterruptedByNode({ nodeId });
    this.announce(rows);
    return rows;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick(), this.options.checkpointMs);
    this.timer.unref();
  }

  /** Stops the timer and waits for a write in flight. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.working;
  }

  /** One round of checkpoints, heartbeats and the stale sweep; a round still writing is not overlapped. */
  tick(): Promise<void> {
    this.working ??= this.work()
      .then(() => this.recovered())
      .catch((error: unknown) => this.failed(error))
      .finally(() => {
        this.working = null;
      });
    return this.working;
  }

  private async work(): Promise<void> {
    const runs = this.options.activeRuns();
    const ids = new Set(runs.map((run) => run.messageId));
    for (const id of this.stored.keys()) if (!ids.has(id)) this.stored.delete(id);

    const due = runs.flatMap((run) => {
      if (!run.isStarted || run.isEnded) return [];
      const { seq, text, parts } = run.snapshot();
      return seq > (this.stored.get(run.messageId) ?? 0) ? [{ id: run.messageId, text, parts, seq }] : [];
    });
    await this.options.store.checkpointRuns(due);
    // Refused means ended (its final write won) or already newer: nothing to retry either way.
    for (const checkpoint of due) this.stored.set(checkpoint.id, checkpoint.seq);
    const written = new Set(due.map((checkpoint) => checkpoint.id));

    if (this.now() - this.lastHeartbeat < this.options.heartbeatMs) return;
    this.lastHeartbeat = this.now();
    await this.options.store.touchRunsByIds({ ids: [...ids].filter((id) => !written.has(id)) });
    const stale = await this.options.store.markStaleRunsInterrupted({
      staleAfterMs: this.options.staleAfterMs,
      exceptIds: [...ids],
    });
    if (stale.length > 0) {
      this.options.logger.warn(
        { interrupted: stale.map((row) => row.id) },
        "runs of a node that stopped answering stored as interrupted",
      );
    }
    this.announce(stale);
  }

  /** Viewers still watching an interrupted run learn of it now rather than on their next reload. */
  private announce(rows: InterruptedRun[]): void {
    for (const row of rows) {
      this.options.events.error({
        conversationId: row.conversationId,
        messageId: row.id,
        agentId: row.agentId ?? "",
        seq: (row.seq ?? 0) + 1,
        error: interruptedError,
        partialText: row.text,
        parts: row.parts ?? partsOfText(row.text),
        ts: this.now(),
      });
    }
  }

  private failed(error: unknown): void {
    // Logged once per outage: a database that is down would otherwise log every second.
    if (!this.failing) this.options.logger.warn({ err: error }, "could not store run checkpoints");
    this.failing = true;
  }

  private recovered(): void {
    if (this.failing) this.options.logger.info("run checkpoints stored again");
    this.failing = false;
  }
}
