import type { Namespace } from "socket.io";
import type { Session } from "socket.io-adapter";

type Captured = {
  n: number;
  offset: string;
  data: unknown[];
  rooms: ReadonlySet<string>;
  except: ReadonlySet<string>;
};
type Pending = { rooms: Set<string>; after: string; mark: number; seen: Set<string>; packets: unknown[][] };

/** Broadcasts remembered for a restore that resolves a moment after they went out. */
const RECENT_MAX = 2_048;
/** Broadcasts kept for one recovering socket until it connects: far more than a restore takes. */
const PENDING_MAX = 20_000;
/** A restored socket that never connects (a refused middleware, a closed client) is forgotten after this. */
const PENDING_TTL_MS = 30_000;

const NO_ROOMS: ReadonlySet<string> = new Set();

const STREAM_ID = /^(\d+)-(\d+)$/;

/** Redis stream ids compare as numbers; null when either is not one. */
function compareStreamIds(a: string, b: string): number | null {
  const x = STREAM_ID.exec(a);
  const y = STREAM_ID.exec(b);
  if (!x || !y) return null;
  const ms = BigInt(x[1] as string) - BigInt(y[1] as string);
  if (ms !== 0n) return ms > 0n ? 1 : -1;
  const seq = BigInt(x[2] as string) - BigInt(y[2] as string);
  return seq === 0n ? 0 : seq > 0n ? 1 : -1;
}

/** Each namespace adapter's gap keeper, for the session guard that wraps its restores. */
export const recoveryGaps = new WeakMap<object, RecoveryGap>();

/**
 * Connection state recovery replays what a session missed up to the moment
 * the adapter read it, then puts the socket back in its rooms, checks access
 * and runs the middlewares, and only then counts the socket as connected. A
 * broadcast in between reaches nobody: the adapter delivers only to connected
 * sockets. This keeps, for each session being restored, the broadcasts to its
 * rooms from the moment its missed packets were read until it connects, and
 * sends them right after the missed ones, each once.
 */
export class RecoveryGap {
  private readonly recent: Captured[] = [];
  private readonly pending = new Map<string, Pending>();
  private count = 0;

  constructor(nsp: Namespace) {
    nsp.on("connection", (socket) => this.flush(socket));
  }

  /** Where broadcasts stand now: taken before a restore reads what a session missed. */
  mark(): number {
    return this.count;
  }

  /** Every broadcast with an offset, as it is delivered to this node's sockets. */
  capture(data: unknown[], offset: unknown, opts: { rooms: Set<string>; except?: Set<string> }): void {
    if (typeof offset !== "string" || data.at(-1) !== offset) return;
    this.count += 1;
    // Every token passes here: kept by reference (a broadcast's data and rooms are not changed once sent), nothing copied.
    const captured: Captured = {
      n: this.count,
      offset,
      data,
      rooms: opts.rooms,
      except: opts.except ?? NO_ROOMS,
    };
    this.recent.push(captured);
    if (this.recent.length > RECENT_MAX * 1.1) this.recent.splice(0, this.recent.length - RECENT_MAX);
    if (this.pending.size > 0) for (const pending of this.pending.values()) this.keep(pending, captured);
  }

  /**
   * A restored session: from here until its socket connects, what is
   * broadcast to its rooms after what it was given is kept for it. `mark` is
   * where broadcasts stood when the restore began.
   */
  open(session: Session, requestedOffset: string, mark: number): void {
    const seen = new Set(session.missedPackets.map((packet) => String(packet.at(-1))));
    const after = String(session.missedPackets.at(-1)?.at(-1) ?? requestedOffset);
    const pending: Pending = { rooms: new Set(session.rooms), after, mark, seen, packets: [] };
    this.pending.set(session.sid, pending);
    for (const captured of this.recent) this.keep(pending, captured);
    setTimeout(() => {
      if (this.pending.get(session.sid) === pending) this.pending.delete(session.sid);
    }, PENDING_TTL_MS).unref();
  }

  /** The session's rooms as they were kept (some may have been taken away since the restore). */
  narrow(session: Session, keepPacket: (packet: unknown[]) => boolean): void {
    const pending = this.pending.get(session.sid);
    if (!pending) return;
    pending.rooms = new Set(session.rooms);
    pending.packets = pending.packets.filter(keepPacket);
  }

  private keep(pending: Pending, captured: Captured): void {
    if (pending.seen.has(captured.offset)) return;
    const order = compareStreamIds(captured.offset, pending.after);
    if (order === null ? captured.n <= pending.mark : order <= 0) return;
    const toRooms = captured.rooms.size === 0 || [...captured.rooms].some((room) => pending.rooms.has(room));
    if (!toRooms || [...captured.except].some((room) => pending.rooms.has(room))) return;
    if (pending.packets.length >= PENDING_MAX) return;
    pending.seen.add(captured.offset);
    pending.packets.push(captured.data);
  }

  private flush(socket: { id: string }): void {
    const pending = this.pending.get(socket.id);
    if (!pending) return;
    this.pending.delete(socket.id);
    const send = socket as unknown as { packet(packet: { type: number; data: unknown[] }): void };
    for (const data of pending.packets) send.packet({ type: 2, data });
  }
}
