import { readdirSync, readFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { join } from "node:path";

const root = new URL("../..", import.meta.url).pathname;

/** A dynamic segment (`[id]`, `[shareId]`) in a route template. */
export const ID_SLOT = /\[[^\]]+\]/g;

export type Endpoint = { method: string; template: string };

/**
 * Every route the app serves, read from the app directory as Next does:
 * `app/**\/route.ts` with the methods it exports, and `app/**\/page.tsx`
 * (GET), with route groups `(name)` left out of the path.
 */
export function discoverRoutes(): { api: Endpoint[]; pages: Endpoint[] } {
  const app = join(root, "app");
  const files = readdirSync(app, { recursive: true, encoding: "utf8" });
  const toPath = (file: string) => {
    const segments = file.split("/").slice(0, -1);
    return `/${segments.filter((segment) => !/^\(.*\)$/.test(segment)).join("/")}`;
  };
  const api = files
    .filter((file) => file.endsWith("/route.ts"))
    .flatMap((file) => {
      const source = readFileSync(join(app, file), "utf8");
      const methods = source.matchAll(
        /export (?:const|async function|function) (GET|POST|PATCH|DELETE|PUT)\b/g,
      );
      return [...methods].map((match) => ({ method: match[1] ?? "GET", template: toPath(file) }));
    });
  const pages = files
    .filter((file) => /(^|\/)page\.tsx$/.test(file))
    .map((file) => ({ method: "GET", template: toPath(file) }));
  return { api, pages };
}

export type HttpCase = {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
  chunked: boolean;
};

/** Node's limit on a request's head (request line and headers), `--max-http-header-size`. */
const MAX_HEAD_BYTES = 16 * 1024;

/**
 * Whether Node's HTTP parser refuses the request's head before the app sees
 * it: past Node's size limit (431), or with raw bytes above 0x7E in the
 * target (400). Node then answers and destroys the connection at once, so a
 * client still sending may see it reset before it reads the answer.
 */
export function nodeMayRefuseHead(input: HttpCase): boolean {
  const lines = [
    `${input.method} ${input.path} HTTP/1.1`,
    ...Object.entries(input.headers).map((h) => h.join(": ")),
  ];
  // Room for the headers Node adds (Host, Connection, Content-Length).
  const tooLarge = Buffer.byteLength(lines.join("\r\n")) > MAX_HEAD_BYTES - 256;
  return tooLarge || /[^\x21-\x7e]/.test(input.path);
}

export type HttpOutcome = { status: number; contentType: string; body: string };

/**
 * A body goes with its length, or chunked: Node frames neither by itself for
 * GET, DELETE or OPTIONS, and an unframed body reads as the next request.
 */
function framed(input: HttpCase): Record<string, string> {
  if (input.body === undefined) return input.headers;
  if (input.chunked) return { ...input.headers, "transfer-encoding": "chunked" };
  return { ...input.headers, "content-length": String(Buffer.byteLength(input.body)) };
}

/**
 * Sends one request exactly as given (raw path, headers, body) on a
 * connection of its own, and resolves with the status once the whole
 * response is read; rejects on a network error or after `timeoutMs`.
 */
export function sendRaw(port: number, input: HttpCase, timeoutMs: number): Promise<HttpOutcome> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (action: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      action();
    };
    const req = httpRequest(
      {
        host: "127.0.0.1",
        port,
        method: input.method,
        path: input.path,
        headers: framed(input),
        agent: false,
        // A redirect may echo a long path back in Location: read it as a browser would.
        maxHeaderSize: 1024 * 1024,
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          if (body.length < 4_000) body += chunk;
        });
        res.on("end", () =>
          settle(() =>
            resolve({ status: res.statusCode ?? 0, contentType: res.headers["content-type"] ?? "", body }),
          ),
        );
        res.on("error", (error) => settle(() => reject(error)));
      },
    );
    const timer = setTimeout(() => {
      req.destroy();
      settle(() => reject(new Error(`no complete response within ${timeoutMs} ms`)));
    }, timeoutMs);
    req.on("error", (error) => settle(() => reject(error)));
    if (input.body === undefined) {
      req.end();
    } else if (input.chunked) {
      const middle = Math.floor(input.body.length / 2);
      req.write(input.body.slice(0, middle));
      req.end(input.body.slice(middle));
    } else {
      req.end(input.body);
    }
  });
}
