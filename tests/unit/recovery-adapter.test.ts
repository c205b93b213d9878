import { createServer } from "node:http";
import { Server } from "socket.io";
import { afterEach, describe, expect, it } from "vitest";
import { BoundedRecoveryAdapter, RECOVERY_MAX_EVENTS } from "@/lib/realtime/recovery-adapter";

describe("the recovery buffer of a single node", () => {
  let io: Server | undefined;
  afterEach(() => io?.close());

  it("keeps the latest events up to its bound, however many are broadcast", () => {
    io = new Server(createServer(), {
      adapter: BoundedRecoveryAdapter,
      connectionStateRecovery: { maxDisconnectionDuration: 2 * 60_000 },
    });
    const total = RECOVERY_MAX_EVENTS * 3;
    for (let i = 0; i < total; i++) io.to("conversation:c").emit("agent_processing_update", { seq: i });
    const packets = (io.of("/").adapter as unknown as { packets: Array<{ data: unknown[] }> }).packets;
    expect(packets.length).toBeGreaterThanOrEqual(RECOVERY_MAX_EVENTS);
    expect(packets.length).toBeLessThanOrEqual(RECOVERY_MAX_EVENTS * 1.1);
    // The newest are kept, in order, with the offsets a client resumes from.
    expect(packets.at(-1)?.data[1]).toEqual({ seq: total - 1 });
    const seqs = packets.map((packet) => (packet.data[1] as { seq: number }).seq);
    expect(seqs).toEqual(Array.from({ length: packets.length }, (_, i) => total - packets.length + i));
    expect(typeof packets.at(-1)?.data[2]).toBe("string");
  });
});
