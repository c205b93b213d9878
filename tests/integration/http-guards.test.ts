import { readdirSync, readFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { type AddressInfo, createServer, connect as tcpConnect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, connected, newSession } from "../helpers/client";
import { type ServerProcess, startServerProcess } from "../helpers/server-process";

let server: ServerProcess;

beforeAll(async () => {
  server = await startServerProcess();
});
afterAll(async () => {
  await server?.stop();
});

/** The server process's resident memory, from the kernel's own account. */
function rssBytes(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, "utf8")
    .split("\n")
    .find((entry) => entry.startsWith("VmRSS:"));
  return Number(line?.match(/(\d+)/)?.[1] ?? 0) * 1024;
}

function openDescriptors(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/**
 * Sends an upgrade request for a path nothing serves and resolves once the
 * server has answered and closed the connection itself (the client never closes).
 */
function strayUpgrade(port: number, path: string): Promise<{ answer: string; closedMs: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = tcpConnect(port, "127.0.0.1");
    let answer = "";
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the server left an upgrade to ${path} open; it answered ${JSON.stringify(answer)}`));
    }, 5_000);
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      answer += chunk;
    });
    socket.on("error", () => {});
    socket.on("close", () => {
      clearTimeout(timer);
      resolve({ answer, closedMs: Date.now() - started });
    });
    socket.write(
      `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
        "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
    );
  });
}

describe("upgrade requests that are not Socket.IO's", () => {
  it("are answered and closed at once, and thousands of them leave the server healthy", async () => {
    const one = await strayUpgrade(server.port, "/not-socket-io");
    expect(one.answer).toMatch(/^HTTP\/1\.1 404/);
    expect(one.closedMs).toBeLessThan(1_500);

    const before = openDescriptors(server.child.pid ?? 0);
    for (let batch = 0; batch < 20; batch++) {
      const paths = Array.from({ length: 100 }, (_, i) => (i % 2 ? "/" : `/api/health?${batch}-${i}`));
      const results = await Promise.all(paths.map((path) => strayUpgrade(server.port, path)));
      for (const result of results) expect(result.answer).toMatch(/^HTTP\/1\.1 404/);
    }
    const health = await fetch(`${server.url}/api/health`, { signal: AbortSignal.timeout(5_000) });
    expect(health.status).toBe(200);
    // Every one of the 2,000 connections is gone again (a few descriptors of other work may come and go).
    expect(openDescriptors(server.child.pid ?? 0)).toBeLessThan(before + 20);
  });

  it("leave Socket.IO's own upgrades working", async () => {
    const { cookie } = await newSession(server.url);
    const socket = connect(server.url, cookie);
    try {
      await connected(socket);
      expect(socket.io.engine.transport.name).toBe("websocket");
    } finally {
      socket.disconnect();
    }
  });
});

/**
 * Streams `totalBytes` of a JSON-looking body without Content-Length and
 * resolves with the status the server answers, sampling its memory meanwhile.
 */
function chunkedUpload(
  options: { path: string; cookie: string; totalBytes: number },
  sample: () => void,
): Promise<{ status: number; sentBytes: number }> {
  return new Promise((resolve, reject) => {
    const chunk = Buffer.alloc(64 * 1024, "a");
    let sentBytes = 0;
    let settled = false;
    const req = httpRequest(
      {
        host: "127.0.0.1",
        port: server.port,
        method: "POST",
        path: options.path,
        headers: {
          cookie: options.cookie,
          "content-type": "application/json",
          "transfer-encoding": "chunked",
        },
      },
      (res) => {
        settled = true;
        res.resume();
        resolve({ status: res.statusCode ?? 0, sentBytes });
        req.destroy();
      },
    );
    req.on("error", (error) => {
      if (!settled) reject(error);
    });
    req.write('{"title":"');
    const pump = () => {
      while (!settled && sentBytes < options.totalBytes) {
        sentBytes += chunk.length;
        if (sentBytes % (8 * 1024 * 1024) === 0) sample();
        if (!req.write(chunk)) {
          req.once("drain", pump);
          return;
        }
      }
      if (!settled) req.end('"}');
    };
    pump();
  });
}

describe("request bodies", () => {
  it("refuses a chunked body past the limit while it streams, without buffering it", async () => {
    const { cookie } = await newSession(server.url);
    const pid = server.child.pid ?? 0;
    const baseline = rssBytes(pid);
    let peak = baseline;
    const sample = () => {
      peak = Math.max(peak, rssBytes(pid));
    };
    const result = await chunkedUpload(
      { path: "/api/conversations", cookie, totalBytes: 200 * 1024 * 1024 },
      sample,
    );
    sample();
    expect(result.status).toBe(413);
    // The server stopped reading long before the 200 MB were sent.
    expect(result.sentBytes).toBeLessThan(64 * 1024 * 1024);
    expect(peak - baseline).toBeLessThan(50 * 1024 * 1024);
    expect((await fetch(`${server.url}/api/health`)).status).toBe(200);
  });

  it("refuses a declared length past the limit before reading a byte", async () => {
    const { cookie } = await newSession(server.url);
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(
        {
          host: "127.0.0.1",
          port: server.port,
          method: "POST",
          path: "/api/conversations",
          headers: {
            cookie,
            "content-type": "application/json",
            "content-length": String(300 * 1024 * 1024),
          },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
          req.destroy();
        },
      );
      req.on("error", reject);
      req.flushHeaders();
    });
    expect(status).toBe(413);
  });

  it("takes a body within the limit", async () => {
    const { cookie } = await newSession(server.url);
    const response = await fetch(`${server.url}/api/conversations`, {
      method: "POST",
      headers: { cookie, "content-type": "application/json" },
      // A stream has no known length: it goes out chunked.
      body: new Blob([JSON.stringify({ title: "Within the limit" })]).stream(),
      duplex: "half",
    } as RequestInit);
    expect(response.status).toBe(201);
  });
});

describe("writes from other origins and other formats", () => {
  async function post(path: string, headers: Record<string, string>, body: string) {
    const { cookie } = await newSession(server.url);
    const response = await fetch(`${server.url}${path}`, {
      method: "POST",
      headers: { cookie, ...headers },
      body,
    });
    return { status: response.status, body: (await response.json().catch(() => null)) as unknown };
  }
  const json = JSON.stringify({ title: "Attempt" });

  it("refuses a write whose Origin is another site's, or a sibling's", async () => {
    for (const origin of ["http://evil.example", "http://127.0.0.1:1", "null"]) {
      const result = await post("/api/conversations", { origin, "content-type": "application/json" }, json);
      expect(result.status, origin).toBe(403);
      expect(result.body).toMatchObject({ error: { code: "forbidden:api" } });
    }
  });

  it("refuses a write that Fetch Metadata marks as cross-origin when Origin is missing", async () => {
    for (const site of ["same-site", "cross-site"]) {
      const result = await post(
        "/api/conversations",
        { "sec-fetch-site": site, "content-type": "application/json" },
        json,
      );
      expect(result.status, site).toBe(403);
    }
  });

  it("accepts a write from the app's own origin", async () => {
    const result = await post(
      "/api/conversations",
      { origin: server.url, "sec-fetch-site": "same-origin", "content-type": "application/json" },
      json,
    );
    expect(result.status).toBe(201);
  });

  it("accepts only JSON bodies: text/plain and forms are refused before they are parsed", async () => {
    for (const type of [
      "text/plain",
      "application/x-www-form-urlencoded",
      "multipart/form-data; boundary=x",
    ]) {
      const result = await post("/api/conversations", { "content-type": type }, json);
      expect(result.status, type).toBe(415);
    }
    const untyped = await post("/api/conversations", {}, json);
    expect(untyped.status).toBe(415);
  });

  it("refuses writes to pages", async () => {
    const result = await post("/", { "content-type": "application/json" }, json);
    expect(result.status).toBe(405);
  });

  it("refuses a Socket.IO handshake from another origin and takes one from its own", async () => {
    const { cookie } = await newSession(server.url);
    const foreign = connect(server.url, cookie, undefined, { origin: "http://evil.example" });
    const refused = await new Promise<boolean>((resolve) => {
      foreign.once("connect", () => resolve(false));
      foreign.once("connect_error", () => resolve(true));
    });
    foreign.disconnect();
    expect(refused).toBe(true);

    const own = connect(server.url, cookie, undefined, { origin: server.url });
    try {
      await connected(own);
    } finally {
      own.disconnect();
    }
  });
});

describe("security headers", () => {
  it("puts a nonce-based policy on pages, and Next's scripts carry that nonce", async () => {
    const response = await fetch(`${server.url}/`);
    const csp = response.headers.get("content-security-policy") ?? "";
    const nonce = csp.match(/'nonce-([^']+)'/)?.[1];
    expect(nonce).toBeTruthy();
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).not.toMatch(/script-src[^;]*'unsafe-inline'/);
    const html = await response.text();
    const scripts = [...html.matchAll(/<script\b[^>]*>/g)].map((match) => match[0]);
    expect(scripts.length).toBeGreaterThan(0);
    for (const script of scripts) expect(script).toContain(`nonce="${nonce}"`);
    // A fresh nonce each time.
    const again = (await fetch(`${server.url}/`)).headers.get("content-security-policy");
    expect(again).not.toBe(csp);
  });

  it("sends nosniff, a referrer policy and no framing on pages and API answers alike", async () => {
    for (const path of ["/", "/api/health", "/api/session", "/api/conversations/nope", "/no-such-page"]) {
      const response = await fetch(`${server.url}${path}`);
      expect(response.headers.get("x-content-type-options"), path).toBe("nosniff");
      expect(response.headers.get("referrer-policy"), path).toBe("strict-origin-when-cross-origin");
      expect(response.headers.get("x-frame-options"), path).toBe("DENY");
      expect(response.headers.get("content-security-policy"), path).toContain("frame-ancestors 'none'");
      // Over plain HTTP there is no HSTS to send.
      expect(response.headers.get("strict-transport-security"), path).toBeNull();
    }
  });

  it("answers a malformed address with 400, not 500", async () => {
    for (const path of ["/c/%E0%A4%A", "/api/conversations/%E0%A4%A", "/s/%ZZ", "/c/%00"]) {
      const response = await fetch(`${server.url}${path}`);
      expect(response.status, path).toBe(400);
    }
  });
});

describe("behind an HTTPS proxy (PUBLIC_URL)", () => {
  let proxied: ServerProcess;
  const publicUrl = "https://chat.example.test";
  beforeAll(async () => {
    proxied = await startServerProcess({ env: { PUBLIC_URL: publicUrl } });
  });
  afterAll(async () => {
    await proxied?.stop();
  });

  it("sets a Secure cookie and HSTS, and takes writes only from the public origin", async () => {
    const session = await fetch(`${proxied.url}/api/session`);
    expect(session.headers.get("set-cookie")).toMatch(/;\s*Secure/);
    expect(session.headers.get("strict-transport-security")).toMatch(/max-age=\d+/);
    const cookie = (session.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
    const write = (origin: string) =>
      fetch(`${proxied.url}/api/conversations`, {
        method: "POST",
        headers: { cookie, origin, "content-type": "application/json" },
        body: JSON.stringify({ title: "Behind the proxy" }),
      });
    expect((await write(publicUrl)).status).toBe(201);
    expect((await write(proxied.url)).status).toBe(403);
  });
});

describe("metrics out of public reach", () => {
  it("serves /metrics only on METRICS_PORT, with its token", async () => {
    const token = "metrics-token-0123456789";
    const metricsPort = await freePort();
    const guarded = await startServerProcess({
      env: { METRICS_PORT: String(metricsPort), METRICS_TOKEN: token },
    });
    try {
      expect((await fetch(`${guarded.url}/metrics`)).status).toBe(404);
      const own = `http://127.0.0.1:${metricsPort}/metrics`;
      expect((await fetch(own)).status).toBe(401);
      const scraped = await fetch(own, { headers: { authorization: `Bearer ${token}` } });
      expect(scraped.status).toBe(200);
      expect(await scraped.text()).toContain("switchboard_active_runs");
      expect((await fetch(`http://127.0.0.1:${metricsPort}/`)).status).toBe(404);
    } finally {
      await guarded.stop();
    }
  });
});

describe("signing in through an authenticating proxy (AUTH_PROXY_HEADER)", () => {
  let proxied: ServerProcess;
  beforeAll(async () => {
    proxied = await startServerProcess({ env: { AUTH_PROXY_HEADER: "X-Auth-Request-Email" } });
  });
  afterAll(async () => {
    await proxied?.stop();
  });
  const as = (user: string) => ({ "x-auth-request-email": user });

  it("follows the proxy's user across browsers and gives out no guest identity", async () => {
    const created = await fetch(`${proxied.url}/api/conversations`, {
      method: "POST",
      headers: { ...as("alice@example.com"), "content-type": "application/json" },
      body: JSON.stringify({ title: "Alice's plans" }),
    });
    expect(created.status).toBe(201);
    expect(created.headers.get("set-cookie")).toBeNull();
    const { id } = (await created.json()) as { id: string };

    // Another browser: no cookie at all, the same signed-in user.
    const elsewhere = await fetch(`${proxied.url}/api/conversations`, { headers: as("alice@example.com") });
    const listed = (await elsewhere.json()) as { conversations: Array<{ id: string }> };
    expect(listed.conversations.map((c) => c.id)).toContain(id);

    const bob = await fetch(`${proxied.url}/api/conversations/${id}`, { headers: as("bob@example.com") });
    expect(bob.status).toBe(403);
    const page = await fetch(`${proxied.url}/c/${id}`, { headers: as("alice@example.com") });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("Alice&#x27;s plans");
  });

  it("refuses requests the proxy did not sign, and a guest cookie counts for nothing", async () => {
    for (const path of ["/", "/api/session", "/api/conversations"]) {
      const response = await fetch(`${proxied.url}${path}`);
      expect(response.status, path).toBe(401);
      expect(response.headers.get("set-cookie"), path).toBeNull();
    }
    const forged = await fetch(`${proxied.url}/api/conversations`, { headers: { cookie: "sid=u_x.y" } });
    expect(forged.status).toBe(401);
    expect((await fetch(`${proxied.url}/api/health`)).status).toBe(200);
  });

  it("takes Socket.IO connections by the same header", async () => {
    const signedIn = connect(proxied.url, undefined, undefined, as("alice@example.com"));
    try {
      await connected(signedIn);
    } finally {
      signedIn.disconnect();
    }
    const anonymous = connect(proxied.url);
    const error = await new Promise<Error>((resolve) => anonymous.once("connect_error", resolve));
    anonymous.disconnect();
    expect(error.message).toBe("unauthorized");
  });
});

describe("new guest identities per address (RATE_LIMIT_SESSIONS_PER_MINUTE)", () => {
  let limited: ServerProcess;
  beforeAll(async () => {
    limited = await startServerProcess({ env: { RATE_LIMIT_SESSIONS_PER_MINUTE: "5", TRUST_PROXY: "1" } });
  });
  afterAll(async () => {
    await limited?.stop();
  });
  const from = (address: string) => ({ "x-forwarded-for": `203.0.113.250, ${address}` });

  it("hands out the budget, then answers 429 with Retry-After; known identities and other addresses go on", async () => {
    const cookies: string[] = [];
    for (let i = 0; i < 5; i++) {
      const response = await fetch(`${limited.url}/api/session`, { headers: from("198.51.100.7") });
      expect(response.status).toBe(200);
      cookies.push((response.headers.get("set-cookie") ?? "").split(";")[0] ?? "");
    }
    const refused = await fetch(`${limited.url}/`, { headers: from("198.51.100.7") });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(refused.headers.get("set-cookie")).toBeNull();
    expect(await refused.json()).toMatchObject({
      error: { code: "rate_limited", retryInMs: expect.any(Number) },
    });

    // Someone who already has an identity is not counted again.
    const known = await fetch(`${limited.url}/api/session`, {
      headers: { ...from("198.51.100.7"), cookie: cookies[0] ?? "" },
    });
    expect(known.status).toBe(200);
    // The client-written left part of X-Forwarded-For is not trusted: only the proxy's entry counts.
    const other = await fetch(`${limited.url}/api/session`, { headers: from("198.51.100.8") });
    expect(other.status).toBe(200);
  });
});
