import { randomUUID } from "node:crypto";
import type { AttachmentAccess, AttachmentInfo, Store } from "../db/queries";
import { AppError } from "../errors";
import type { UploadedFile } from "../http/multipart";
import type { Limits } from "../limits";
import { cleanFileName } from "./names";
import { PdfTextError } from "./pdf-text";
import { sniffContentType } from "./sniff";

/** Files one identity may have uploaded and not sent yet. */
export const UNSENT_PER_USER = 32;
/** An upload never sent is dropped after this long. */
export const UNSENT_KEPT_MS = 24 * 60 * 60 * 1000;
/** Uploads streaming in at once, per identity and for the whole process: each holds up to the limit in memory. */
export const UPLOADS_AT_ONCE = { perUser: 3, total: 16 } as const;

export type AttachmentStore = Pick<
  Store,
  | "createAttachment"
  | "countUnsentAttachmentsByOwnerId"
  | "deleteUnsentAttachmentsByOwnerId"
  | "deleteUnsentAttachment"
  | "getAttachmentAccessById"
  | "getAttachmentContentById"
>;

export type AttachmentServiceDeps = {
  store: AttachmentStore;
  limits: Pick<Limits, "takeUpload">;
  /** ATTACHMENT_MAX_BYTES. */
  maxBytes: number;
  extractPdfText(bytes: Uint8Array): Promise<string>;
};

export type AttachmentFile = AttachmentInfo & { content: Uint8Array };

const notFound = () =>
  new AppError("not_found:attachment", "This file does not exist or is not yours to read.");

/** Who may read a file: its uploader until it is sent; then its conversation's owner, and whoever holds the current share link. */
function mayRead(file: AttachmentAccess, userId: string, shareId: string | undefined): boolean {
  if (file.conversationId === null) return file.ownerId === userId;
  if (file.conversationOwnerId === userId) return true;
  return shareId !== undefined && file.shareId !== null && file.shareId === shareId;
}

export function createAttachmentService(deps: AttachmentServiceDeps) {
  const { store } = deps;
  const inFlight = new Map<string, number>();
  let total = 0;

  /** A place among the uploads streaming in now; the function returned gives it back. */
  function admit(userId: string): () => void {
    const mine = inFlight.get(userId) ?? 0;
    if (mine >= UPLOADS_AT_ONCE.perUser || total >= UPLOADS_AT_ONCE.total) {
      throw new AppError("rate_limited", "Too many uploads at once; wait for one to finish.", {
        retryInMs: 1_000,
      });
    }
    inFlight.set(userId, mine + 1);
    total += 1;
    return () => {
      total -= 1;
      const left = (inFlight.get(userId) ?? 1) - 1;
      if (left > 0) inFlight.set(userId, left);
      else inFlight.delete(userId);
    };
  }

  async function checkRoom(userId: string): Promise<void> {
    await store.deleteUnsentAttachmentsByOwnerId({
      ownerId: userId,
      before: new Date(Date.now() - UNSENT_KEPT_MS),
    });
    if ((await store.countUnsentAttachmentsByOwnerId({ ownerId: userId })) >= UNSENT_PER_USER) {
      throw new AppError(
        "conflict:attachment",
        `You have ${UNSENT_PER_USER} files waiting to be sent: send or remove some first.`,
      );
    }
  }

  /** Types the file by its bytes, reads a PDF's text, and stores it as its uploader's. */
  async function storeFile(userId: string, file: UploadedFile): Promise<AttachmentInfo> {
    if (file.bytes.byteLength === 0) throw new AppError("bad_request:attachment", "The file is empty.");
    const sniffed = sniffContentType(file.bytes);
    if (!sniffed) {
      throw new AppError(
        "unsupported_media_type:api",
        "Only images (PNG, JPEG, WebP, GIF), PDFs and text files (UTF-8) can be attached.",
      );
    }
    const text = sniffed.kind === "pdf" ? await pdfText(file.bytes, deps.extractPdfText) : null;
    return store.createAttachment({
      id: randomUUID(),
      ownerId: userId,
      name: cleanFileName(file.name),
      contentType: sniffed.contentType,
      content: file.bytes,
      text,
    });
  }

  return {
    maxBytes: deps.maxBytes,

    /**
     * One upload: counted against the identity's budget and the uploads at
     * once before a byte is read (`read` streams the body in), then stored.
     */
    async receive(userId: string, read: () => Promise<UploadedFile>): Promise<AttachmentInfo> {
      await deps.limits.takeUpload(userId);
      const release = admit(userId);
      try {
        await checkRoom(userId);
        return await storeFile(userId, await read());
      } finally {
        release();
      }
    },

    /** The file and its bytes, for whoever may read it; a 404 for everyone else. */
    async open(input: { userId: string; id: string; shareId?: string }): Promise<AttachmentFile> {
      const file = await store.getAttachmentAccessById({ id: input.id });
      if (!file || !mayRead(file, input.userId, input.shareId)) throw notFound();
      const content = await store.getAttachmentContentById({ id: input.id });
      if (!content) throw notFound();
      const { id, name, contentType, size } = file;
      return { id, name, contentType, size, content };
    },

    /** Takes back a file its uploader has not sent; one already sent goes with its conversation. */
    async remove(input: { userId: string; id: string }): Promise<void> {
      if (!(await store.deleteUnsentAttachment({ id: input.id, ownerId: input.userId }))) throw notFound();
    },
  };
}

export type AttachmentService = ReturnType<typeof createAttachmentService>;

async function pdfText(bytes: Uint8Array, extract: (bytes: Uint8Array) => Promise<string>): Promise<string> {
  try {
    // PostgreSQL text cannot hold U+0000, which a PDF's text may.
    return (await extract(bytes)).replaceAll("\u0000", "");
  } catch (error) {
    if (!(error instanceof PdfTextError)) throw error;
    throw new AppError("unsupported_media_type:api", "This PDF could not be read.", { cause: error });
  }
}
