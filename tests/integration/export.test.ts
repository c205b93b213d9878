import { randomUUID } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Attachment, Conversation } from "@/lib/protocol";
import { upload } from "../helpers/attachments";
import { expectOk, fetchConversation, followingSockets, newSession, request } from "../helpers/client";
import { type GatewayServer, startServerWithGateway } from "../helpers/gateway-server";

let running: GatewayServer;
const following = followingSockets();

beforeAll(async () => {
  running = await startServerWithGateway();
});
afterAll(async () => {
  await running?.stop();
});
afterEach(() => {
  expect(following.closeAll()).toEqual([]);
  running.gateway.reset();
});

/** A conversation of one question with a file, and Atlas's answer after a calculator call. */
async function answeredConversation(cookie: string) {
  const { server, gateway } = running;
  const form = await upload(server.url, cookie, "itinerary.md", Buffer.from("Day 1: Lisbon"));
  const file = form.body as Attachment;
  gateway.enqueue(
    { toolCalls: [{ name: "calculator", arguments: '{"expression":"2*150"}' }] },
    { tokens: ["About", " 300", " km."] },
  );
  const { socket, events } = await following.follow(server.url, cookie);
  const ack = expectOk(
    await request(socket, "send_message", {
      text: "Plan a trip: Lisbon & Porto!",
      agentIds: ["atlas"],
      attachmentIds: [file.id],
      clientMessageId: randomUUID(),
    }),
  );
  await events.terminalOf(ack.runs[0]?.messageId ?? "");
  return ack.conversationId;
}

const exportOf = (id: string, cookie: string, format?: string) =>
  fetch(`${running.server.url}/api/conversations/${id}/export${format ? `?format=${format}` : ""}`, {
    headers: { cookie },
  });

describe("export", () => {
  it("gives the owner Markdown: title, authors and times, the answer, its tool call, the file by name", async () => {
    const { cookie } = await newSession(running.server.url);
    const id = await answeredConversation(cookie);
    const response = await exportOf(id, cookie, "md");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/markdown; charset=utf-8");
    expect(response.headers.get("content-disposition")).toMatch(
      /^attachment; filename="plan-a-trip-lisbon-porto\.md"/,
    );
    const markdown = await response.text();
    expect(markdown).toMatch(/^# Plan a trip: Lisbon & Porto!\n/);
    expect(markdown).toMatch(/## You · \d{4}-\d\d-\d\d \d\d:\d\d UTC\n\nPlan a trip: Lisbon & Porto!/);
    expect(markdown).toContain("Attachments: itinerary.md (13 bytes)");
    expect(markdown).toMatch(/## Atlas · \d{4}-\d\d-\d\d \d\d:\d\d UTC/);
    expect(markdown).toContain('> Tool `calculator` with `{"expression":"2*150"}`: 300');
    expect(markdown).toContain("About 300 km.");
    // Without a format, Markdown.
    expect((await exportOf(id, cookie)).headers.get("content-type")).toBe("text/markdown; charset=utf-8");
  });

  it("gives the owner JSON as the API returns the conversation", async () => {
    const { cookie } = await newSession(running.server.url);
    const id = await answeredConversation(cookie);
    const response = await exportOf(id, cookie, "json");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(response.headers.get("content-disposition")).toMatch(
      /^attachment; filename="plan-a-trip-lisbon-porto\.json"/,
    );
    const exported = (await response.json()) as Conversation;
    const { inProgress: _, ...api } = (await fetchConversation(
      running.server.url,
      cookie,
      id,
    )) as Conversation & {
      inProgress?: unknown;
    };
    expect(exported).toEqual(api);
    expect(exported.messages[0]?.attachments?.[0]?.name).toBe("itinerary.md");
  });

  it("is the owner's alone: 404 for anyone else, even through a share link; 400 for an unknown format", async () => {
    const owner = await newSession(running.server.url);
    const other = await newSession(running.server.url);
    const id = await answeredConversation(owner.cookie);
    await fetch(`${running.server.url}/api/conversations/${id}`, {
      method: "PATCH",
      headers: { cookie: owner.cookie, "content-type": "application/json" },
      body: JSON.stringify({ visibility: "public" }),
    });
    expect((await exportOf(id, other.cookie, "md")).status).toBe(404);
    expect((await exportOf(id, other.cookie, "json")).status).toBe(404);
    expect((await exportOf(randomUUID(), owner.cookie, "md")).status).toBe(404);
    const html = await exportOf(id, owner.cookie, "html");
    expect(html.status).toBe(400);
    expect(((await html.json()) as { error: { code: string } }).error.code).toBe("bad_request:api");
    expect((await fetch(`${running.server.url}/api/conversations/${id}/export`)).status).toBe(401);
  });
});
