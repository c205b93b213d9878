import { describe, expect, it } from "vitest";
import { AppError } from "@/lib/errors";
import { MULTIPART_OVERHEAD_BYTES, readSingleFile } from "@/lib/http/multipart";

const BOUNDARY = "----test-boundary";

function part(name: string, body: Buffer, filename?: string): Buffer {
  const disposition = `form-data; name="${name}"${filename ? `; filename="${filename}"` : ""}`;
  return Buffer.concat([
    Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: ${disposition}\r\n\r\n`),
    body,
    Buffer.from("\r\n"),
  ]);
}

/** A multipart request whose body arrives in chunks of 1 KB, without Content-Length unless given. */
function multipart(parts: Buffer[], headers: Record<string, string> = {}): Request {
  const body = Buffer.concat([...parts, Buffer.from(`--${BOUNDARY}--\r\n`)]);
  let at = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (at >= body.length) return controller.close();
      controller.enqueue(body.subarray(at, at + 1024));
      at += 1024;
    },
  });
  return new Request("http://localhost/api/attachments", {
    method: "POST",
    headers: { "content-type": `multipart/form-data; boundary=${BOUNDARY}`, ...headers },
    body: stream,
    duplex: "half",
  } as RequestInit);
}

async function refusal(request: Request, maxBytes: number): Promise<string> {
  try {
    await readSingleFile(request, maxBytes);
    return "accepted";
  } catch (error) {
    return error instanceof AppError ? error.code : String(error);
  }
}

describe("readSingleFile", () => {
  it("reads one file whole, up to exactly the limit, with the name the browser sent", async () => {
    const bytes = Buffer.alloc(4096, "a");
    const file = await readSingleFile(
      multipart([part("note", Buffer.from("hi")), part("file", bytes, "a.txt")]),
      4096,
    );
    expect(file.name).toBe("a.txt");
    expect(file.bytes.equals(bytes)).toBe(true);
  });

  it("refuses a file one byte past the limit, and a body past the limit by its Content-Length alone", async () => {
    expect(await refusal(multipart([part("file", Buffer.alloc(4097), "a.bin")]), 4096)).toBe(
      "payload_too_large:api",
    );
    const announced = multipart([part("file", Buffer.alloc(10), "a")], {
      "content-length": String(4096 + MULTIPART_OVERHEAD_BYTES + 1),
    });
    expect(await refusal(announced, 4096)).toBe("payload_too_large:api");
  });

  it("refuses framing that swells past its allowance even with no file in it", async () => {
    const padding = Buffer.alloc(MULTIPART_OVERHEAD_BYTES * 2, "x");
    expect(await refusal(multipart([Buffer.concat([padding, Buffer.from("\r\n")])]), 4096)).toBe(
      "payload_too_large:api",
    );
  });

  it("refuses two files, no file, another content type and a missing boundary", async () => {
    const two = multipart([part("file", Buffer.from("a"), "a"), part("file", Buffer.from("b"), "b")]);
    expect(await refusal(two, 4096)).toBe("bad_request:api");
    expect(await refusal(multipart([part("note", Buffer.from("hi"))]), 4096)).toBe("bad_request:api");
    const json = new Request("http://localhost/", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect(await refusal(json, 4096)).toBe("unsupported_media_type:api");
    const noBoundary = new Request("http://localhost/", {
      method: "POST",
      headers: { "content-type": "multipart/form-data; charset=utf-8" },
      body: "x",
    });
    expect(await refusal(noBoundary, 4096)).toBe("bad_request:api");
  });
});
