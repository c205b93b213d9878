import type { Roster } from "../agents/roster";
import { kindOf } from "../attachments/sniff";
import { type AttachmentInfo, groupByMessage, type MessageAttachment, type Store } from "../db/queries";
import { AppError } from "../errors";
import type { Attachment } from "../protocol";

/**
 * The files a message may carry, in the order given: each one its sender's,
 * either not sent yet or already part of this conversation (none of another
 * one), and no image for an agent that cannot see. Unknown and foreign ids
 * are refused alike, so a refusal tells nothing about someone else's files.
 */
export async function checkAttachments(input: {
  store: Pick<Store, "listAttachmentsByIds">;
  roster: Roster;
  userId: string;
  /** Absent: the message starts a conversation. */
  conversationId: string | undefined;
  ids: readonly string[];
  agentIds: readonly string[];
}): Promise<AttachmentInfo[]> {
  if (input.ids.length === 0) return [];
  const rows = new Map(
    (await input.store.listAttachmentsByIds({ ids: input.ids })).map((row) => [row.id, row]),
  );
  const files = input.ids.map((id) => {
    const row = rows.get(id);
    const mine =
      row?.ownerId === input.userId &&
      (row.conversationId === null || row.conversationId === input.conversationId);
    if (!row || !mine) {
      throw new AppError("bad_request:message", `Unknown attachment: ${id}. Upload it again.`);
    }
    return { id: row.id, name: row.name, contentType: row.contentType, size: row.size };
  });
  const image = files.find((file) => kindOf(file.contentType) === "image");
  if (image) refuseBlindAgents(input.roster, input.agentIds, image.name);
  return files;
}

function refuseBlindAgents(roster: Roster, agentIds: readonly string[], imageName: string): void {
  const blind = agentIds.flatMap((id) => {
    const agent = roster.get(id);
    return agent?.vision === false ? [agent.name] : [];
  });
  if (blind.length === 0) return;
  throw new AppError(
    "bad_request:message",
    `${blind.join(" and ")} cannot see images (${imageName}): ask an agent that can, or send the message without it.`,
  );
}

/** Each message's files as clients see them, by message id. */
export function attachmentsByMessage(files: readonly MessageAttachment[]): Map<string, Attachment[]> {
  return new Map(
    Array.from(groupByMessage(files), ([messageId, list]) => [
      messageId,
      list.map(({ id, name, contentType, size }) => ({ id, name, contentType, size })),
    ]),
  );
}
