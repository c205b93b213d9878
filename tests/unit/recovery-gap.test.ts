import { EventEmitter } from "node:events";
import type { Namespace } from "socket.io";
import type { Session } from "socket.io-adapter";
import { describe, expect, it } from "vitest";
import { RecoveryGap } from "@/lib/realtime/recovery-gap";

const room = "conversation:c1";
const session = (missed: unknown[][]): Session => ({
  sid: "s1",
  pid: "p1",
  rooms: ["s1", room],
  data: {},
  missedPackets: missed,
});
const event = (seq: number, offset: string, conversationId = "c1") => [
  "agent_processing_update",
  { conversationId, seq },
  offset,
];

function connect(nsp: EventEmitter) {
  const sent: unknown[][] = [];
  nsp.emit("connection", { id: "s1", packet: (packet: { data: unknown[] }) => sent.push(packet.data) });
  return sent.map((data) => (data[1] as { seq: number }).seq);
}

describe("the recovery gap", () => {
  it("sends a restored socket, once connected, what its rooms were sent after its missed packets, each once", () => {
    const nsp = new EventEmitter();
    const gap = new RecoveryGap(nsp as unknown as Namespace);
    const mark = gap.mark();
    // Read by the restore (1-2); delivered locally a moment later: no duplicate.
    gap.capture(event(2, "100-2"), "100-2", { rooms: new Set([room]) });
    gap.capture(event(3, "100-3"), "100-3", { rooms: new Set([room]) });
    gap.open(session([event(1, "100-1"), event(2, "100-2")]), "100-0", mark);
    // While the middlewares run: its room, another room, everyone, and one that excludes it.
    gap.capture(event(4, "100-4"), "100-4", { rooms: new Set([room]) });
    gap.capture(event(9, "100-5", "c2"), "100-5", { rooms: new Set(["conversation:c2"]) });
    gap.capture(event(5, "100-6"), "100-6", { rooms: new Set() });
    gap.capture(event(8, "100-7"), "100-7", { rooms: new Set([room]), except: new Set(["s1"]) });
    gap.capture(event(6, "100-8"), "100-8", { rooms: new Set([room]) });
    expect(connect(nsp)).toEqual([3, 4, 5, 6]);
    // Connected, it gets the rest live: nothing more is kept for it.
    gap.capture(event(7, "100-9"), "100-9", { rooms: new Set([room]) });
    expect(connect(nsp)).toEqual([]);
  });

  it("orders by capture where offsets are not stream ids, and drops what a narrowed session lost", () => {
    const nsp = new EventEmitter();
    const gap = new RecoveryGap(nsp as unknown as Namespace);
    gap.capture(event(1, "a"), "a", { rooms: new Set([room]) });
    const mark = gap.mark();
    gap.capture(event(2, "b"), "b", { rooms: new Set([room]) });
    gap.open(session([]), "a", mark);
    gap.capture(event(3, "c"), "c", { rooms: new Set([room]) });
    expect(connect(nsp)).toEqual([2, 3]);

    gap.open(session([]), "c", gap.mark());
    gap.capture(event(4, "d"), "d", { rooms: new Set([room]) });
    gap.narrow({ ...session([]), rooms: ["s1"] }, () => false);
    expect(connect(nsp)).toEqual([]);
  });
});
