import {
  type ConversationUnavailableEvent,
  roomForConversation,
  type SocketData,
  type UnavailableReason,
} from "../protocol/events";
import { recoveryGaps } from "./recovery-gap";
import type { RealtimeServer, RealtimeSocket } from "./types";

type NamespaceAdapter = ReturnType<RealtimeServer["of"]>["adapter"];
type Session = Awaited<ReturnType<NamespaceAdapter["restoreSession"]>>;

/** Why a user may no longer read a conversation, or null while they may (ChatService.checkAccess). */
export type CheckAccess = (input: {
  userId: string;
  conversationId: string;
  shareId?: string;
}) => Promise<UnavailableReason | null>;

const conversationRoomPrefix = roomForConversation("");

/** The conversations among these rooms that the socket's user may no longer read, with the reason. */
async function revokedAmong(
  rooms: Iterable<string>,
  data: Partial<SocketData> | undefined,
  checkAccess: CheckAccess,
): Promise<Map<string, UnavailableReason>> {
  const conversationIds = [...rooms]
    .filter((room) => room.startsWith(conversationRoomPrefix))
    .map((room) => room.slice(conversationRoomPrefix.length));
  const verdicts = await Promise.all(
    conversationIds.map(async (conversationId): Promise<[string, UnavailableReason | null]> => {
      if (!data?.userId) return [conversationId, "private"];
      const shareId = data.shares?.[conversationId];
      return [conversationId, await checkAccess({ userId: data.userId, conversationId, shareId })];
    }),
  );
  return new Map(verdicts.filter((verdict): verdict is [string, UnavailableReason] => verdict[1] !== null));
}

/** A missed packet is `[event, payload, offset?]`; every room event's payload names its conversation. */
function conversationOf(packet: unknown[]): string | undefined {
  const payload = packet[1];
  if (typeof payload !== "object" || payload === null || !("conversationId" in payload)) return undefined;
  return String(payload.conversationId);
}

async function withoutRevoked(session: Session, checkAccess: CheckAccess): Promise<Session> {
  const data = session.data as Partial<SocketData> | undefined;
  const revoked = await revokedAmong(session.rooms, data, checkAccess);
  if (revoked.size === 0) return session;
  const keep = (conversationId: string | undefined) =>
    conversationId === undefined || !revoked.has(conversationId);
  const notices = [...revoked].map(([conversationId, reason]): unknown[] => [
    "conversation_unavailable",
    { conversationId, reason } satisfies ConversationUnavailableEvent,
  ]);
  return {
    ...session,
    rooms: session.rooms.filter(
      (room) => !room.startsWith(conversationRoomPrefix) || keep(room.slice(conversationRoomPrefix.length)),
    ),
    data: {
      ...data,
      shares: Object.fromEntries(Object.entries(data?.shares ?? {}).filter(([id]) => keep(id))),
    },
    // What was said there since the disconnection stays unsaid; one notice takes its place.
    missedPackets: [...session.missedPackets.filter((packet) => keep(conversationOf(packet))), ...notices],
  };
}

/**
 * Connection state recovery puts a socket back in its rooms and replays what
 * it missed in the Socket constructor, before any middleware or handler runs:
 * the check has to sit in the adapter. Conversations the session's user may no
 * longer read (made private, shared under a new link, deleted) leave the
 * session, with their missed packets; a `conversation_unavailable` replaces them.
 * A check that fails rejects the restore, so the client starts a new session.
 */
export function guardSessionRecovery(io: RealtimeServer, checkAccess: CheckAccess): void {
  const adapter = io.of("/").adapter;
  const restore = adapter.restoreSession.bind(adapter);
  const gap = recoveryGaps.get(adapter);
  adapter.restoreSession = async (pid, offset) => {
    const mark = gap?.mark() ?? 0;
    const session = await restore(pid, offset);
    if (!session) return session;
    // From here until the socket connects, broadcasts to its rooms would reach nobody: they are kept for it.
    gap?.open(session, offset, mark);
    const kept = await withoutRevoked(session, checkAccess);
    const rooms = new Set(kept.rooms);
    gap?.narrow(kept, (packet) => {
      const conversationId = conversationOf(packet);
      return conversationId === undefined || rooms.has(roomForConversation(conversationId));
    });
    return kept;
  };
}

/**
 * Checks a recovered socket's conversations again now that it is back in their
 * rooms: a revocation landing between the check on restore and the rejoin
 * found no socket to take out.
 */
export async function recheckRecoveredSocket(
  socket: RealtimeSocket,
  checkAccess: CheckAccess,
): Promise<void> {
  const revoked = await revokedAmong(socket.rooms, socket.data, checkAccess);
  for (const [conversationId, reason] of revoked) {
    await socket.leave(roomForConversation(conversationId));
    socket.emit("conversation_unavailable", { conversationId, reason });
  }
}
