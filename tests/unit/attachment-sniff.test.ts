import { describe, expect, it } from "vitest";
import { cleanFileName, formatBytes } from "@/lib/attachments/names";
import { extractPdfText } from "@/lib/attachments/pdf-text";
import { isText, kindOf, sniffContentType } from "@/lib/attachments/sniff";
import { contentDisposition } from "@/lib/http/content-disposition";
import {
  EXE_BYTES,
  GIF_BYTES,
  JPEG_BYTES,
  PNG_BYTES,
  pdfWithText,
  WEBP_BYTES,
  ZIP_BYTES,
} from "../fixtures/files";

describe("sniffContentType", () => {
  it.each([
    ["a PNG", PNG_BYTES, "image/png", "image"],
    ["a JPEG", JPEG_BYTES, "image/jpeg", "image"],
    ["a GIF", GIF_BYTES, "image/gif", "image"],
    ["a WebP", WEBP_BYTES, "image/webp", "image"],
    ["a PDF", pdfWithText("hello"), "application/pdf", "pdf"],
    ["UTF-8 text", Buffer.from("# Notes\n\nCafé ✓ — 日本語\n"), "text/plain", "text"],
    ["CSV", Buffer.from("a,b\n1,2\n"), "text/plain", "text"],
    [
      "an SVG, which is only text",
      Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script/></svg>'),
      "text/plain",
      "text",
    ],
    [
      "an HTML page, which is only text",
      Buffer.from("<!doctype html><script>alert(1)</script>"),
      "text/plain",
      "text",
    ],
  ])("types %s by its bytes", (_name, bytes, contentType, kind) => {
    expect(sniffContentType(bytes)).toEqual({ contentType, kind });
  });

  it.each([
    ["an executable", EXE_BYTES],
    ["a ZIP archive", ZIP_BYTES],
    ["invalid UTF-8", Buffer.from([0x68, 0x69, 0xc3, 0x28])],
    ["text with a NUL", Buffer.from("abc\u0000def")],
    [
      "a RIFF that is not WebP (a WAV)",
      Buffer.concat([Buffer.from("RIFF"), Buffer.alloc(4), Buffer.from("WAVEfmt "), Buffer.alloc(8)]),
    ],
  ])("refuses %s", (_name, bytes) => {
    expect(sniffContentType(bytes)).toBeNull();
  });

  it("never trusts a name: a PNG is a PNG whatever it is called, and only its signature makes one", () => {
    expect(sniffContentType(PNG_BYTES.subarray(0, 7))).toBeNull();
    expect(sniffContentType(Buffer.from("\u0089PNG is what this text says"))?.kind).toBe("text");
  });

  it("reads the kind back from a stored content type", () => {
    expect(kindOf("image/webp")).toBe("image");
    expect(kindOf("application/pdf")).toBe("pdf");
    expect(kindOf("text/plain")).toBe("text");
    expect(isText(new Uint8Array())).toBe(true);
  });
});

describe("file names", () => {
  it("keeps the last path segment, without control or direction characters", () => {
    expect(cleanFileName("C:\\Users\\me\\report.pdf")).toBe("report.pdf");
    expect(cleanFileName("../../etc/passwd")).toBe("passwd");
    expect(cleanFileName("invoice\u202Efdp.exe")).toBe("invoicefdp.exe");
    expect(cleanFileName("  \u0000 ")).toBe("file");
    expect(cleanFileName(undefined)).toBe("file");
    expect(Array.from(cleanFileName("😀".repeat(300)))).toHaveLength(200);
  });

  it("quotes a name safely in Content-Disposition, the exact one as filename*", () => {
    expect(contentDisposition("attachment", 'naïve "quote".md')).toBe(
      `attachment; filename="na_ve _quote_.md"; filename*=UTF-8''na%C3%AFve%20%22quote%22.md`,
    );
    expect(contentDisposition("inline", "a(1)'s*.png")).toBe(
      `inline; filename="a(1)'s*.png"; filename*=UTF-8''a%281%29%27s%2A.png`,
    );
  });

  it("formats sizes for people", () => {
    expect(formatBytes(1)).toBe("1 byte");
    expect(formatBytes(512)).toBe("512 bytes");
    expect(formatBytes(1536)).toBe("1.5 KB");
    expect(formatBytes(10 * 1024 * 1024)).toBe("10 MB");
  });
});

describe("extractPdfText", () => {
  it("reads a PDF's text in a worker thread", async () => {
    expect(await extractPdfText(pdfWithText("Quarterly numbers are up"))).toBe("Quarterly numbers are up");
  });

  it("refuses what only looks like a PDF", async () => {
    await expect(extractPdfText(Buffer.from("%PDF-1.4 nothing else"))).rejects.toThrow(/Invalid PDF/);
  });
});
