import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { expect, expectConsoleErrors, test } from "./fixtures";

type AttackReport = { socket: string[]; posts: string[] };

/**
 * What a hostile page does with the user's cookie: plain cross-origin POSTs
 * (text/plain and form bodies need no preflight) and a raw Socket.IO session
 * over WebSocket that asks for a message. Runs inside the page.
 */
async function attack(input: {
  appUrl: string;
  conversationId: string;
  text: string;
}): Promise<AttackReport> {
  const report: AttackReport = { socket: [], posts: [] };
  const body = JSON.stringify({ text: `${input.text} (post)` });
  for (const type of ["text/plain", "application/x-www-form-urlencoded"]) {
    try {
      const response = await fetch(`${input.appUrl}/api/conversations/${input.conversationId}/messages`, {
        method: "POST",
        mode: "no-cors",
        credentials: "include",
        headers: { "content-type": type },
        body,
      });
      report.posts.push(`${type}: ${response.type} ${response.status}`);
    } catch (error) {
      report.posts.push(`${type}: ${String(error)}`);
    }
  }
  const wsUrl = `${input.appUrl.replace(/^http/, "ws")}/socket.io/?EIO=4&transport=websocket`;
  await new Promise<void>((resolve) => {
    const ws = new WebSocket(wsUrl);
    const done = () => {
      ws.close();
      resolve();
    };
    const timer = setTimeout(done, 5_000);
    ws.onopen = () => report.socket.push("open");
    ws.onerror = () => report.socket.push("error");
    ws.onclose = () => {
      clearTimeout(timer);
      report.socket.push("closed");
      resolve();
    };
    ws.onmessage = (event) => {
      const packet = String(event.data);
      report.socket.push(packet.slice(0, 2));
      if (packet.startsWith("0{")) ws.send("40");
      if (packet === "2") ws.send("3");
      if (packet.startsWith("40{")) {
        const payload = {
          conversationId: input.conversationId,
          text: input.text,
          clientMessageId: crypto.randomUUID(),
        };
        ws.send(`420${JSON.stringify(["send_message", payload])}`);
      }
      if (packet.startsWith("430")) {
        report.socket.push(packet.slice(3));
        clearTimeout(timer);
        done();
      }
    };
  });
  return report;
}

let attacker: Server;
let attackerUrl: string;

test.beforeAll(async () => {
  attacker = createServer((_req, res) => {
    res.setHeader("content-type", "text/html");
    res.end("<!doctype html><title>A sibling origin</title><p>Nothing to see here.</p>");
  });
  await new Promise<void>((resolve) => attacker.listen(0, "127.0.0.1", resolve));
  attackerUrl = `http://127.0.0.1:${(attacker.address() as AddressInfo).port}`;
});
test.afterAll(async () => {
  await new Promise((resolve) => attacker.close(resolve));
});

test("a page of another origin on the same site can neither write nor open a socket as the user", async ({
  chat,
  gateway,
  page,
  server,
  pageErrors,
}) => {
  gateway.setDefault({ tokens: ["Noted", "."], tokenDelayMs: 20 });
  await chat.openNewChat();
  await chat.send("My own message");
  await expect(chat.lastAnswer().root).toHaveAttribute("data-status", "complete");
  const conversationId = new URL(page.url()).pathname.split("/").pop() ?? "";

  // The same host on another port: another origin, but the same site, so SameSite=Lax sends the cookie.
  const hostile = await page.context().newPage();
  hostile.on("console", () => {});
  await hostile.goto(attackerUrl);
  const refused = await hostile.evaluate(attack, {
    appUrl: server.url,
    conversationId,
    text: "Sent by a hostile page",
  });
  await hostile.close();
  expect(refused.socket, JSON.stringify(refused)).not.toContain("open");
  expect(refused.socket).not.toContain("40");

  // The same code from the app's own page gets through: only the origin made the difference.
  const own = await page.evaluate(attack, { appUrl: server.url, conversationId, text: "Sent from the app" });
  expect(own.socket, JSON.stringify(own)).toContain("40");
  expect(own.socket.some((entry) => entry.includes('"ok":true'))).toBe(true);

  const stored = await chat.storedConversation();
  const userTexts = stored.messages.filter((m) => m.role === "user").map((m) => m.text);
  expect(userTexts).toContain("Sent from the app");
  expect(userTexts.some((text) => text.includes("hostile"))).toBe(false);
  // The app's own text/plain POSTs were refused as well (415): nothing but JSON is parsed.
  expect(userTexts.some((text) => text.includes("(post)"))).toBe(false);
  // The app page's own text/plain POSTs were answered 415, which Chromium reports on the console.
  expectConsoleErrors(pageErrors, /status of 415/);
});

test("the app runs under its Content-Security-Policy without a single violation", async ({
  chat,
  gateway,
  page,
}) => {
  const violations: string[] = [];
  await page.exposeFunction("reportViolation", (text: string) => violations.push(text));
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (event) => {
      (window as unknown as { reportViolation(text: string): void }).reportViolation(
        `${event.violatedDirective} ${event.blockedURI} ${event.sourceFile}:${event.lineNumber}:${event.columnNumber}`,
      );
    });
  });
  gateway.setDefault({
    tokens: ["Here is code:\n\n", "```ts\n", "const x = 1;\n", "```\n", "\nDone."],
    tokenDelayMs: 30,
  });
  await chat.openNewChat();
  await chat.send("Show me some code");
  await expect(chat.lastAnswer().root).toHaveAttribute("data-status", "complete");
  await expect(chat.lastAnswer().root.locator("pre").first()).toBeVisible();
  await page.reload();
  await expect(chat.lastAnswer().root).toHaveAttribute("data-status", "complete");
  const csp = (await page.request.get("/")).headers()["content-security-policy"];
  expect(csp).toMatch(/script-src 'self' 'nonce-/);
  expect(violations).toEqual([]);
});
