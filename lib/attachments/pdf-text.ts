import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";

/** What is read of one PDF at most: enough for a model's context, bounded for a hostile file. */
export const PDF_LIMITS = { pages: 200, characters: 200_000, timeoutMs: 15_000, memoryMb: 256 } as const;

export class PdfTextError extends Error {
  override readonly name = "PdfTextError";
}

// Runs in a worker thread of its own: pdf.js parses whatever a stranger sends,
// so a file built to spin or to swell ends with the worker, not the server.
const workerSource = `
const { parentPort, workerData } = require("node:worker_threads");
const { module, bytes, pages, characters } = workerData;
import(module)
  .then(async ({ getDocumentProxy }) => {
    const document = await getDocumentProxy(bytes, { verbosity: 0, isEvalSupported: false, disableFontFace: true });
    const texts = [];
    let length = 0;
    for (let number = 1; number <= Math.min(document.numPages, pages) && length < characters; number += 1) {
      const page = await document.getPage(number);
      const content = await page.getTextContent();
      const text = content.items.map((item) => (item.str ?? "") + (item.hasEOL ? "\\n" : "")).join("");
      texts.push(text.trim());
      length += text.length;
    }
    parentPort.postMessage({ ok: true, text: texts.join("\\n\\n").slice(0, characters) });
  })
  .catch((error) => parentPort.postMessage({ ok: false, message: String(error && error.message) }));
`;

type WorkerAnswer = { ok: true; text: string } | { ok: false; message: string };

const unpdf = createRequire(import.meta.url).resolve("unpdf");

/** PDFs read at once; more wait their turn, so a burst of uploads cannot take every core. */
const READERS = 2;
let reading = 0;
const queue: Array<() => void> = [];

/** Waits for a free reader; the function returned hands it to the next in line, or frees it. */
async function takeTurn(): Promise<() => void> {
  if (reading < READERS) reading += 1;
  else await new Promise<void>((resolve) => queue.push(resolve));
  return () => {
    const next = queue.shift();
    if (next) next();
    else reading -= 1;
  };
}

/**
 * The text of a PDF (its first PDF_LIMITS.pages pages, at most
 * PDF_LIMITS.characters), read by pdf.js in a worker thread with a memory cap
 * and a deadline. Rejects with a PdfTextError when the file cannot be read.
 */
export async function extractPdfText(bytes: Uint8Array): Promise<string> {
  const done = await takeTurn();
  try {
    return await readInWorker(bytes);
  } finally {
    done();
  }
}

async function readInWorker(bytes: Uint8Array): Promise<string> {
  const worker = new Worker(workerSource, {
    eval: true,
    workerData: { module: unpdf, bytes, pages: PDF_LIMITS.pages, characters: PDF_LIMITS.characters },
    resourceLimits: { maxOldGenerationSizeMb: PDF_LIMITS.memoryMb },
    stdout: true,
    stderr: true,
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    const answer = await new Promise<WorkerAnswer>((resolve, reject) => {
      timer = setTimeout(
        () => reject(new PdfTextError("reading the PDF took too long")),
        PDF_LIMITS.timeoutMs,
      );
      worker.once("message", resolve);
      worker.once("error", (error) => reject(new PdfTextError(error.message, { cause: error })));
      worker.once("exit", (code) => reject(new PdfTextError(`the PDF reader stopped (exit ${code})`)));
    });
    if (!answer.ok) throw new PdfTextError(answer.message);
    return answer.text;
  } finally {
    clearTimeout(timer);
    await worker.terminate();
  }
}
