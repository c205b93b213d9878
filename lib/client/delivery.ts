import type { Ack, ErrorInfo, SendMessageResult } from "../protocol";
import type { ChatSocket } from "./socket";

export type ChatLinkTiming = {
  /** Longest wait for a join's acknowledgement. */
  joinTimeoutMs: number;
  /** Longest wait for one send attempt's acknowledgement before the message goes again. */
  ackTimeoutMs: number;
  /** Past this without an acknowledgement the send is reported failed, for the user to retry. */
  sendGiveUpMs: number;
  /** Pause before sending again to a server that is restarting. */
  unavailableRetryMs: number;
};

export const defaultTiming: ChatLinkTiming = {
  joinTimeoutMs: 15_000,
  ackTimeoutMs: 8_000,
  sendGiveUpMs: 45_000,
  unavailableRetryMs: 1_000,
};

/** The socket for one request, its acknowledgement awaited for a limited time. */
export type TimedSocket = ReturnType<ChatSocket["timeout"]>;

export const timeoutError: ErrorInfo = {
  code: "timeout",
  message: "The server did not answer in time. Check your connection and try again.",
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Sends a message (a send, an edit, a regenerate) until an acknowledgement
 * arrives. A lost one (a timeout, or the connection dropping after the message
 * left) sends again at once; while offline, Socket.IO holds the message until
 * it reconnects. Null past the give-up time.
 */
export async function sendUntilAcknowledged(
  socket: ChatSocket,
  timing: ChatLinkTiming,
  send: (socket: TimedSocket) => Promise<Ack<SendMessageResult>>,
): Promise<{ ack: Ack<SendMessageResult> | null; attempts: number }> {
  const deadline = Date.now() + timing.sendGiveUpMs;
  for (let attempts = 1; ; attempts += 1) {
    const left = deadline - Date.now();
    try {
      const ack = await send(socket.timeout(Math.max(1, Math.min(timing.ackTimeoutMs, left))));
      const restarting = !ack.ok && ack.error.code.startsWith("unavailable:");
      if (!restarting || left <= timing.unavailableRetryMs) return { ack, attempts };
      await sleep(timing.unavailableRetryMs);
    } catch {
      if (Date.now() >= deadline) return { ack: null, attempts };
    }
  }
}
