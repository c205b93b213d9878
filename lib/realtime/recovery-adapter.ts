import type { Namespace } from "socket.io";
import { SessionAwareAdapter } from "socket.io-adapter";
import { RecoveryGap, recoveryGaps } from "./recovery-gap";

/**
 * Events kept for connection state recovery, on one node as in the Redis
 * stream of several: enough to resume after a drop of a few seconds under
 * full load (and of minutes when it is light). A client whose last event is
 * older is not recovered; it joins its conversations again and continues
 * from their snapshot, as after a reload, so nothing is lost either way.
 */
export const RECOVERY_MAX_EVENTS = 20_000;

/**
 * The in-memory adapter of a single node with its recovery buffer bounded by
 * count, as the Redis streams adapter bounds its stream. Socket.IO's own keeps
 * every event broadcast in the last maxDisconnectionDuration (and up to a
 * minute more): hundreds of answers streaming at 20 tokens a second would
 * hold gigabytes.
 */
export class BoundedRecoveryAdapter extends SessionAwareAdapter {
  private readonly gap: RecoveryGap;

  constructor(nsp: Namespace) {
    super(nsp);
    this.gap = new RecoveryGap(nsp);
    recoveryGaps.set(this, this.gap);
  }

  override broadcast(...args: Parameters<SessionAwareAdapter["broadcast"]>): void {
    super.broadcast(...args);
    const [packet, opts] = args;
    // The packets Socket.IO keeps for recovery, the same test as its own: those got an offset.
    if (packet.type === 2 && packet.id === undefined && opts.flags?.volatile === undefined) {
      this.gap.capture(packet.data, packet.data.at(-1), opts);
    }
    const packets = (this as unknown as { packets: unknown[] }).packets;
    // Trimmed in steps of a tenth, so an event does not cost a shift of the whole buffer.
    if (packets.length > RECOVERY_MAX_EVENTS * 1.1) packets.splice(0, packets.length - RECOVERY_MAX_EVENTS);
  }
}
