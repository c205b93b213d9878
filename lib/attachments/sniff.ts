/** What an upload is, as its bytes say. */
export type AttachmentKind = "image" | "pdf" | "text";

export type Sniffed = { kind: AttachmentKind; contentType: string };

/** The raster images a browser shows inline and vision models take. */
export const IMAGE_TYPES = ["image/png", "image/jpeg", "image/webp", "image/gif"] as const;

const startsWith = (bytes: Uint8Array, signature: readonly number[], offset = 0) =>
  bytes.length >= offset + signature.length && signature.every((byte, i) => bytes[offset + i] === byte);

const ascii = (text: string) => [...text].map((character) => character.charCodeAt(0));

const signatures: Array<{ contentType: string; kind: AttachmentKind; test(bytes: Uint8Array): boolean }> = [
  {
    contentType: "image/png",
    kind: "image",
    test: (b) => startsWith(b, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  },
  { contentType: "image/jpeg", kind: "image", test: (b) => startsWith(b, [0xff, 0xd8, 0xff]) },
  {
    contentType: "image/gif",
    kind: "image",
    test: (b) => startsWith(b, ascii("GIF87a")) || startsWith(b, ascii("GIF89a")),
  },
  {
    contentType: "image/webp",
    kind: "image",
    test: (b) => startsWith(b, ascii("RIFF")) && startsWith(b, ascii("WEBP"), 8),
  },
  { contentType: "application/pdf", kind: "pdf", test: (b) => startsWith(b, ascii("%PDF-")) },
];

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Text: valid UTF-8 with no NUL, which no text format has and nearly every binary one does. */
export function isText(bytes: Uint8Array): boolean {
  if (bytes.includes(0)) return false;
  try {
    utf8.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/**
 * The type of an upload from its bytes alone: a raster image or a PDF by its
 * magic number, else text when it reads as UTF-8; null for anything else.
 * The name and the type the browser declared are never trusted: a PNG named
 * notes.txt is a PNG, and an SVG or an HTML page is only text.
 */
export function sniffContentType(bytes: Uint8Array): Sniffed | null {
  const known = signatures.find((signature) => signature.test(bytes));
  if (known) return { kind: known.kind, contentType: known.contentType };
  return isText(bytes) ? { kind: "text", contentType: "text/plain" } : null;
}

/** The kind of a stored content type. */
export function kindOf(contentType: string): AttachmentKind {
  if ((IMAGE_TYPES as readonly string[]).includes(contentType)) return "image";
  return contentType === "application/pdf" ? "pdf" : "text";
}
