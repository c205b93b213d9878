import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { FakeGateway } from "../fixtures/fake-gateway";
import {
  connect,
  connected,
  expectOk,
  fetchConversation,
  newSession,
  recordEvents,
  request,
  streamedText,
  type TestSocket,
} from "../helpers/client";
import { type ServerProcess, startServerProcess } from "../helpers/server-process";

let gateway: FakeGateway;
let server: ServerProcess;
let cookie: string;
let conversationId: string;
const sockets: TestSocket[] = [];

const MALFORMED_SID = "sid=%E0%A4%A";
const controlCharacters = ["\u0000", "\u0007", "\u001b", "\u007f"];

beforeAll(async () => {
  gateway = await FakeGateway.start();
  gateway.setDefault({ tokens: ["Fine", ", thanks"], tokenDelayMs: 5 });
  server = await startServerProcess({ env: { LLM_BASE_URL: gateway.baseUrl, LLM_MODEL: "fake-model" } });
  ({ cookie } = await newSession(server.url));
  const created = await api("POST", "/api/conversations", { title: "Bad input" });
  expect(created.status).toBe(201);
  conversationId = ((await created.json()) as { id: string }).id;
});
afterAll(async () => {
  await server?.stop();
  await gateway?.close();
});
afterEach(() => {
  for (const socket of sockets.splice(0)) socket.disconnect();
});

function api(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  return fetch(`${server.url}${path}`, {
    method,
    headers: { cookie, ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

/** A refusal of bad input: 400 with the API's error shape, never a 500. */
async function expectBadRequest(response: Response, message?: RegExp) {
  const body = (await response.json()) as { error?: { code: string; message: string } };
  expect(response.status, JSON.stringify(body)).toBe(400);
  expect(body.error?.code).toMatch(/^bad_request/);
  if (message) expect(body.error?.message).toMatch(message);
}

async function socketClient() {
  const socket = connect(server.url, cookie);
  sockets.push(socket);
  await connected(socket);
  return socket;
}

const linesOf = () => server.logs.map((entry) => (typeof entry === "string" ? entry : JSON.stringify(entry)));

describe("bad input against the real server", () => {
  it("refuses NUL and other control characters in a message sent over HTTP with 400", async () => {
    for (const character of controlCharacters) {
      const response = await api("POST", `/api/conversations/${conversationId}/messages`, {
        text: `hello${character}world`,
      });
      await expectBadRequest(response, /control characters/);
    }
    for (const body of [
      { text: "hello", clientMessageId: "cm\u0000" },
      { text: "hello", agentIds: ["atlas\u0000"] },
      { text: "hello", clientMessageId: "cm with spaces" },
    ]) {
      await expectBadRequest(await api("POST", `/api/conversations/${conversationId}/messages`, body));
    }
    await expectBadRequest(
      await api("POST", `/api/conversations/${conversationId}/cancel`, { messageId: "m\u0000" }),
    );
  });

  it("refuses them in a message sent over Socket.IO through the acknowledgement", async () => {
    const socket = await socketClient();
    const cases: Array<[Parameters<typeof request>[1], unknown]> = [
      ...controlCharacters.map(
        (character) =>
          ["send_message", { text: `hi${character}there`, clientMessageId: "cm-ctl" }] as [string, unknown],
      ),
      ["send_message", { text: "hi", clientMessageId: "cm\u0000" }],
      ["send_message", { text: "hi", clientMessageId: "cm-1", conversationId: "c\u0000" }],
      ["send_message", { text: "hi", clientMessageId: "cm-2", agentIds: ["\u0000"] }],
      ["join_conversation", { conversationId: "\u0000" }],
      ["join_conversation", { shareId: "share\u0000" }],
      ["leave_conversation", { conversationId: "c\u0000" }],
      ["cancel_processing", { conversationId, messageId: "m\u0000" }],
    ] as Array<[Parameters<typeof request>[1], unknown]>;
    for (const [event, payload] of cases) {
      // biome-ignore lint/suspicious/noExplicitAny: deliberately malformed payloads
      const ack = await request(socket, event, payload as any);
      expect(ack.ok, `${event} ${JSON.stringify(payload)}`).toBe(false);
      if (!ack.ok) expect(ack.error.code).toBe("bad_request:socket");
    }
    const first = await request(socket, "send_message", { text: "a\u0000b", clientMessageId: "cm-3" });
    expect(first.ok === false && first.error.message).toMatch(/control characters/);
    // The socket still serves.
    expectOk(await request(socket, "join_conversation", { conversationId }));
  });

  it("refuses them in a title, on creation and on renaming", async () => {
    for (const character of controlCharacters) {
      await expectBadRequest(
        await api("POST", "/api/conversations", { title: `Plans${character}` }),
        /control characters/,
      );
      await expectBadRequest(
        await api("PATCH", `/api/conversations/${conversationId}`, { title: `Plans${character}x` }),
        /control characters/,
      );
    }
    await expectBadRequest(await api("POST", "/api/conversations", { agentIds: ["atlas\u0000"] }));
    const unchanged = await api("GET", `/api/conversations/${conversationId}`);
    expect(((await unchanged.json()) as { title: string }).title).toBe("Bad input");
  });

  it("refuses an id in the address that could not be an id, before any query", async () => {
    for (const id of ["%00", "abc%00def", "a%20b", "%E2%80%8B", "%1B%5B31m"]) {
      for (const [method, path, body] of [
        ["GET", `/api/conversations/${id}`, undefined],
        ["PATCH", `/api/conversations/${id}`, { title: "x" }],
        ["DELETE", `/api/conversations/${id}`, undefined],
        ["POST", `/api/conversations/${id}/messages`, { text: "hi" }],
        ["POST", `/api/conversations/${id}/cancel`, {}],
      ] as const) {
        const response = await api(method, path, body);
        expect(response.status, `${method} ${path}`).toBe(400);
      }
    }
  });

  it("answers a page whose id could not be an id with 404, or 400 for a malformed address", async () => {
    for (const path of ["/c/a%20b", "/s/a%20b", "/c/%E2%80%8B", "/s/x%E2%80%8By"]) {
      const response = await fetch(`${server.url}${path}`, { headers: { cookie } });
      expect(response.status, path).toBe(404);
    }
    for (const path of ["/c/%00", "/s/%00", "/c/%E0%A4%A", "/api/conversations/%E0%A4%A"]) {
      const response = await fetch(`${server.url}${path}`, { headers: { cookie } });
      expect([400, 404], `${path}: ${response.status}`).toContain(response.status);
    }
  });

  it("treats a malformed sid cookie as no session: unauthorized on a socket, 401 over HTTP", async () => {
    const socket = connect(server.url, `a=1; ${MALFORMED_SID}`);
    sockets.push(socket);
    // Without an answer the handshake hangs: the middleware threw and nothing told the client.
    const silence = new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error("the handshake got no answer")), 5_000),
    );
    await expect(Promise.race([connected(socket), silence])).rejects.toThrow("unauthorized");
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(linesOf().filter((line) => line.includes("unhandled rejection"))).toEqual([]);

    const response = await fetch(`${server.url}/api/conversations`, { headers: { cookie: MALFORMED_SID } });
    expect(response.status).toBe(401);
    const posted = await fetch(`${server.url}/api/conversations`, {
      method: "POST",
      headers: { cookie: MALFORMED_SID, "content-type": "application/json" },
      body: "{}",
    });
    expect(posted.status).toBe(401);
    // A page load hands out a fresh identity instead.
    const page = await fetch(`${server.url}/`, { headers: { cookie: MALFORMED_SID } });
    expect(page.status).toBe(200);
    expect(page.headers.get("set-cookie")).toMatch(/^sid=u_/);
  });

  it("never writes a message's text to the logs, and keeps every line short", async () => {
    const marker = `marker-${Date.now()}-${Math.random().toString(36).slice(2)}`;
    const longText = (tail = "") => {
      const body = `${marker} ${"lorem ipsum ".repeat(3_000)}`;
      return `${body.slice(0, 32_000 - marker.length - tail.length - 1)}${tail} ${marker}`;
    };
    expect(longText()).toHaveLength(32_000);
    const socket = await socketClient();
    const events = recordEvents(socket);

    const sent = expectOk(
      await request(socket, "send_message", { conversationId, text: longText(), clientMessageId: "cm-long" }),
    );
    await events.terminalOf(sent.runs[0]?.messageId ?? "");
    const posted = await api("POST", `/api/conversations/${conversationId}/messages`, {
      text: longText(),
      clientMessageId: "cm-long-http",
    });
    expect(posted.status).toBe(202);
    const { runs } = (await posted.json()) as { runs: Array<{ messageId: string }> };
    await events.terminalOf(runs[0]?.messageId ?? "");

    // Refused input is what filled the logs: look at them before at the answers.
    const refusedHttp = await api("POST", `/api/conversations/${conversationId}/messages`, {
      text: longText("\u0000"),
    });
    const refusedSocket = await request(socket, "send_message", {
      conversationId,
      text: longText("\u0000"),
      clientMessageId: "cm-long-nul",
    });
    const refusedTitle = await api("PATCH", `/api/conversations/${conversationId}`, {
      title: `${marker}\u0000`,
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const shown = (line: string) => `${line.length} characters: ${line.slice(0, 200)}`;
    const lines = linesOf();
    expect(lines.filter((line) => line.includes(marker)).map(shown)).toEqual([]);
    expect(lines.filter((line) => line.length > 4_096).map(shown)).toEqual([]);
    await expectBadRequest(refusedHttp);
    expect(refusedSocket.ok).toBe(false);
    await expectBadRequest(refusedTitle);
  });

  it("stores an answer whose model output carries NUL bytes, without them", async () => {
    gateway.setDefault({ tokens: ["Odd\u0000", " bytes", "\u0000", " here"], tokenDelayMs: 5 });
    const socket = await socketClient();
    const events = recordEvents(socket);
    const sent = expectOk(
      await request(socket, "send_message", {
        conversationId,
        text: "Say something odd",
        clientMessageId: "cm-nul-out",
      }),
    );
    const messageId = sent.runs[0]?.messageId ?? "";
    const terminal = await events.terminalOf(messageId);
    gateway.setDefault({ tokens: ["Fine", ", thanks"], tokenDelayMs: 5 });
    expect(terminal).toMatchObject({ text: "Odd bytes here", finishReason: "stop" });
    expect(streamedText(events.forMessage(messageId))).toBe("Odd bytes here");
    const stored = await fetchConversation(server.url, cookie, conversationId);
    expect(stored.messages.find((m) => m.id === messageId)).toMatchObject({
      text: "Odd bytes here",
      status: "complete",
    });
  });

  it("logged no error and no unhandled rejection for any of it", () => {
    const lines = linesOf();
    expect(lines.filter((line) => line.includes("unhandled rejection"))).toEqual([]);
    const errors = server.logs.filter(
      (entry) => typeof entry === "object" && typeof entry.level === "number" && entry.level >= 50,
    );
    expect(errors).toEqual([]);
  });
});
