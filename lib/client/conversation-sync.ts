import type { JoinConversationResult } from "../protocol";
import type { ChatAction, ServerEvent } from "./types";

/**
 * Orders a join against the live event stream. The server may deliver room
 * events before the join acknowledgement, and the snapshot in that ack already
 * contains some of them: events are held while a join is outstanding, then
 * replayed after the snapshot so the reducer's seq rules drop what the
 * snapshot already holds and apply the rest. A join cut off by a disconnection
 * goes on holding them for the join that follows the reconnection.
 */
export class ConversationSync {
  private joins = 0;
  private rejoinPending = false;
  private held: ServerEvent[] = [];

  constructor(private readonly dispatch: (action: ChatAction) => void) {}

  /** Events are being held for a snapshot. */
  get joining(): boolean {
    return this.joins > 0 || this.rejoinPending;
  }

  receive(event: ServerEvent): void {
    if (this.joining) this.held.push(event);
    else this.dispatch({ type: "server_event", event });
  }

  /** Call before emitting join_conversation; settle with joined(), failed() or lost(). */
  beginJoin(): void {
    this.joins += 1;
    this.rejoinPending = false;
  }

  /**
   * The connection dropped before the snapshot came, and a join follows the
   * reconnection: events that arrive meanwhile, and those held already, wait
   * for its snapshot rather than reach the reducer with a gap before them.
   */
  lost(): void {
    this.joins = Math.max(0, this.joins - 1);
    this.rejoinPending = true;
  }

  /** Applies the snapshot, then every event that arrived while waiting for it. */
  joined(snapshot: JoinConversationResult): void {
    this.dispatch({ type: "snapshot", snapshot });
    this.release();
  }

  /** A join that failed or timed out still must not swallow the events held for it. */
  failed(): void {
    this.release();
  }

  private release(): void {
    this.joins = Math.max(0, this.joins - 1);
    if (this.joins > 0 || this.rejoinPending) return;
    const held = this.held;
    this.held = [];
    for (const event of held) this.dispatch({ type: "server_event", event });
  }
}
