import { Readable, Transform } from "node:stream";
import type { ReadableStream as NodeWebStream } from "node:stream/web";
import busboy from "busboy";
import { formatBytes } from "../attachments/names";
import { AppError } from "../errors";

/** Room for the multipart framing around the file: boundaries, part headers, a stray small field. */
export const MULTIPART_OVERHEAD_BYTES = 16 * 1024;

export type UploadedFile = { name: string | undefined; bytes: Buffer };

const tooLarge = (maxBytes: number) =>
  new AppError(
    "payload_too_large:api",
    `The file is larger than ${formatBytes(maxBytes)}, the most allowed.`,
  );

const malformed = () => new AppError("bad_request:api", "The upload is not a well-formed multipart form.");

/**
 * Reads the one file of a multipart/form-data request as it streams in,
 * keeping at most `maxBytes` of it: past that (or past the framing's share
 * of the body) reading stops and the upload is refused, so a body sent
 * without Content-Length costs no more memory than one within the limit.
 */
export async function readSingleFile(request: Request, maxBytes: number): Promise<UploadedFile> {
  const type = request.headers.get("content-type") ?? "";
  if (!/^multipart\/form-data\s*;/i.test(type)) {
    throw new AppError("unsupported_media_type:api", "Send the file as multipart/form-data.");
  }
  if (Number(request.headers.get("content-length") ?? 0) > maxBytes + MULTIPART_OVERHEAD_BYTES) {
    throw tooLarge(maxBytes);
  }
  if (!request.body) throw new AppError("bad_request:api", "The upload holds no file.");
  let parser: busboy.Busboy;
  try {
    parser = busboy({
      headers: { "content-type": type },
      // One byte over the limit tells a file of exactly maxBytes from a larger one.
      limits: { files: 1, fileSize: maxBytes + 1, fields: 8, fieldSize: 1024, parts: 9, headerPairs: 16 },
    });
  } catch (error) {
    throw new AppError("bad_request:api", "The upload's Content-Type names no multipart boundary.", {
      cause: error,
    });
  }
  const source = Readable.fromWeb(request.body as NodeWebStream<Uint8Array>);
  return collect(source, parser, maxBytes);
}

function collect(source: Readable, parser: busboy.Busboy, maxBytes: number): Promise<UploadedFile> {
  return new Promise((resolve, reject) => {
    let file: UploadedFile | undefined;
    let settled = false;
    const fail = (error: AppError) => {
      if (settled) return;
      settled = true;
      source.unpipe();
      source.destroy();
      reject(error);
    };
    parser.on("file", (_field, stream, info) => {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("limit", () => fail(tooLarge(maxBytes)));
      stream.on("end", () => {
        if (!stream.truncated) file = { name: info.filename, bytes: Buffer.concat(chunks) };
      });
    });
    parser.on("filesLimit", () => fail(new AppError("bad_request:api", "Send one file at a time.")));
    parser.on("partsLimit", () => fail(malformed()));
    parser.on("error", () => fail(malformed()));
    parser.on("close", () => {
      if (settled) return;
      settled = true;
      if (file) resolve(file);
      else reject(new AppError("bad_request:api", "The upload holds no file."));
    });
    source.on("error", () => fail(malformed()));
    source.pipe(limitBytes(maxBytes + MULTIPART_OVERHEAD_BYTES, () => fail(tooLarge(maxBytes)))).pipe(parser);
  });
}

/** Passes bytes through until more than `max` went by, then calls `over` and passes nothing more. */
function limitBytes(max: number, over: () => void): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      seen += chunk.length;
      if (seen > max) {
        over();
        done();
        return;
      }
      done(null, chunk);
    },
  });
}
