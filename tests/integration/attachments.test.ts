import { randomUUID } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { builtInAgents } from "@/lib/agents/roster";
import type { Attachment, MessageCreatedEvent } from "@/lib/protocol";
import { FakeGateway } from "../fixtures/fake-gateway";
import { EXE_BYTES, PNG_BYTES, pdfWithText, ZIP_BYTES } from "../fixtures/files";
import {
  announceUpload,
  lastUserParts,
  streamUpload,
  type UploadResult,
  upload,
  upstreamImages,
} from "../helpers/attachments";
import { serverBackends } from "../helpers/backends";
import { expectOk, fetchConversation, followingSockets, newSession, request } from "../helpers/client";
import { writeAgentsFile } from "../helpers/gateway-server";
import { type ServerProcess, startServerProcess } from "../helpers/server-process";

const MAX_BYTES = 64 * 1024;
const NOTES = "# Trip notes\n\nLisbon → Porto, 313 km.\n";
const blind = { id: "blind", name: "Blind", systemPrompt: "You read text only.", vision: false };

let gateway: FakeGateway;
const following = followingSockets();

beforeAll(async () => {
  gateway = await FakeGateway.start();
});
afterAll(async () => {
  await gateway?.close();
});
afterEach(() => {
  expect(following.closeAll()).toEqual([]);
  gateway.reset();
});

function stored(result: UploadResult): Attachment {
  expect(result.status, JSON.stringify(result.body)).toBe(201);
  return result.body as Attachment;
}

const errorCode = (result: UploadResult) => (result.body.error as { code?: string } | undefined)?.code;

describe.each(serverBackends)("attachments on $name", (backend) => {
  let server: ServerProcess;
  let tearDown: () => Promise<void>;

  beforeAll(async () => {
    const setUp = await backend.setUp();
    tearDown = setUp.tearDown;
    server = await startServerProcess({
      dataDir: setUp.env.DATA_DIR,
      env: {
        ...setUp.env,
        LLM_BASE_URL: gateway.baseUrl,
        LLM_MODEL: "fake-model",
        ATTACHMENT_MAX_BYTES: String(MAX_BYTES),
        AGENTS_FILE: writeAgentsFile([...builtInAgents, blind]),
      },
    });
  });
  afterAll(async () => {
    await server?.stop();
    await tearDown?.();
  });

  /** Sends a message with files over Socket.IO and waits for its one answer. */
  async function sendWithFiles(
    cookie: string,
    input: { text: string; attachmentIds: string[]; conversationId?: string },
  ) {
    const { socket, events } = await following.follow(server.url, cookie);
    const ack = expectOk(
      await request(socket, "send_message", { ...input, agentIds: ["atlas"], clientMessageId: randomUUID() }),
    );
    await events.terminalOf(ack.runs[0]?.messageId ?? "");
    return { ack, events, socket };
  }

  it("sends an image upstream as an image part with its bytes intact, and a text file as text under its name", async () => {
    const { cookie } = await newSession(server.url);
    const image = stored(await upload(server.url, cookie, "dot.png", PNG_BYTES, "image/png"));
    const notes = stored(await upload(server.url, cookie, "notes.md", Buffer.from(NOTES), "text/markdown"));
    expect(image).toMatchObject({ name: "dot.png", contentType: "image/png", size: PNG_BYTES.length });
    expect(notes).toMatchObject({
      name: "notes.md",
      contentType: "text/plain",
      size: Buffer.byteLength(NOTES),
    });

    gateway.enqueue({ tokens: ["A", " dot."] });
    const { ack, events, socket } = await sendWithFiles(cookie, {
      text: "What are these?",
      attachmentIds: [image.id, notes.id],
    });
    const [first] = await gateway.waitForRequests(1);
    if (!first) throw new Error("no upstream request");
    expect(lastUserParts(first)).toEqual([
      { type: "text", text: "What are these?" },
      { type: "image_url", image_url: { url: `data:image/png;base64,${PNG_BYTES.toString("base64")}` } },
      { type: "text", text: `File notes.md:\n\`\`\`\n${NOTES}\n\`\`\`` },
    ]);

    // Every client sees which files the message carries: the room, a joining client, the HTTP API.
    const files = [image, notes];
    const created = events.events.find((event) => event.name === "message_created");
    expect((created?.payload as MessageCreatedEvent | undefined)?.message.attachments).toEqual(files);
    const joined = expectOk(
      await request(socket, "join_conversation", { conversationId: ack.conversationId }),
    );
    expect(joined.conversation.messages[0]?.attachments).toEqual(files);
    const conversation = await fetchConversation(server.url, cookie, ack.conversationId);
    expect(conversation.messages[0]?.attachments).toEqual(files);
    expect(conversation.messages[1]).not.toHaveProperty("attachments");

    // A later turn still shows the model the image of the earlier one.
    gateway.enqueue({ tokens: ["Still", " a dot."] });
    await sendWithFiles(cookie, { text: "And now?", attachmentIds: [], conversationId: ack.conversationId });
    const second = gateway.requests[1];
    if (!second) throw new Error("no second upstream request");
    expect(upstreamImages(second)).toEqual([
      { mediaType: "image/png", base64: PNG_BYTES.toString("base64") },
    ]);
  });

  it("types a file by its bytes, whatever its name or declared type says", async () => {
    const { cookie } = await newSession(server.url);
    const png = stored(await upload(server.url, cookie, "notes.txt", PNG_BYTES, "text/plain"));
    expect(png.contentType).toBe("image/png");
    const text = stored(
      await upload(server.url, cookie, "photo.png", Buffer.from("just words"), "image/png"),
    );
    expect(text.contentType).toBe("text/plain");
    for (const [name, bytes] of [
      ["setup.exe", EXE_BYTES],
      ["archive.zip", ZIP_BYTES],
      ["innocent.txt", EXE_BYTES],
    ] as const) {
      const refused = await upload(server.url, cookie, name, bytes, "text/plain");
      expect(refused.status, name).toBe(415);
      expect(errorCode(refused)).toBe("unsupported_media_type:api");
    }
  });

  it("sends a PDF upstream as its text", async () => {
    const { cookie } = await newSession(server.url);
    const pdf = stored(
      await upload(server.url, cookie, "q3.pdf", pdfWithText("Revenue grew by nine percent")),
    );
    expect(pdf.contentType).toBe("application/pdf");
    const junk = await upload(server.url, cookie, "broken.pdf", Buffer.from("%PDF-1.7 and nothing else"));
    expect(junk.status).toBe(415);

    gateway.enqueue({ tokens: ["Nine", " percent."] });
    await sendWithFiles(cookie, { text: "", attachmentIds: [pdf.id] });
    const [sent] = await gateway.waitForRequests(1);
    if (!sent) throw new Error("no upstream request");
    expect(lastUserParts(sent)).toEqual([
      { type: "text", text: "File q3.pdf:\n```\nRevenue grew by nine percent\n```" },
    ]);
  });

  it("refuses a file past ATTACHMENT_MAX_BYTES with 413, by Content-Length or while it streams in", async () => {
    const { cookie } = await newSession(server.url);
    expect(stored(await upload(server.url, cookie, "exact.txt", Buffer.alloc(MAX_BYTES, "a"))).size).toBe(
      MAX_BYTES,
    );
    const over = await upload(server.url, cookie, "over.txt", Buffer.alloc(MAX_BYTES + 1, "a"));
    expect(over.status).toBe(413);
    expect(errorCode(over)).toBe("payload_too_large:api");

    expect(await announceUpload(server.url, cookie, 1024 * 1024 * 1024)).toBe(413);

    // Chunked, with no length to go by: refused once the limit is passed, long before the 64 MB end.
    const total = 64 * 1024 * 1024;
    const streamed = await streamUpload(server.url, cookie, total);
    expect(streamed.status).toBe(413);
    expect(JSON.parse(streamed.body).error.code).toBe("payload_too_large:api");
    expect(streamed.written).toBeLessThan(total / 4);
    // The server is still there.
    expect((await fetch(`${server.url}/api/health`)).status).toBe(200);
  });

  it("takes uploads only with a session, as a multipart form", async () => {
    const form = new FormData();
    form.append("file", new Blob([Buffer.from("hi")]), "a.txt");
    expect((await fetch(`${server.url}/api/attachments`, { method: "POST", body: form })).status).toBe(401);
    const { cookie } = await newSession(server.url);
    const json = await fetch(`${server.url}/api/attachments`, {
      method: "POST",
      headers: { cookie, "content-type": "application/json" },
      body: "{}",
    });
    expect(json.status).toBe(415);
    const empty = new FormData();
    empty.append("note", "no file here");
    const none = await fetch(`${server.url}/api/attachments`, {
      method: "POST",
      headers: { cookie },
      body: empty,
    });
    expect(none.status).toBe(400);
  });

  it("serves a file to its owner with safe headers, and to nobody else", async () => {
    const owner = await newSession(server.url);
    const other = await newSession(server.url);
    const image = stored(await upload(server.url, owner.cookie, "dot.png", PNG_BYTES));
    const page = stored(
      await upload(server.url, owner.cookie, "page.html", Buffer.from("<script>alert(1)</script>")),
    );

    const get = (id: string, cookie: string, query = "") =>
      fetch(`${server.url}/api/attachments/${id}${query}`, { headers: { cookie } });
    const shown = await get(image.id, owner.cookie);
    expect(shown.status).toBe(200);
    expect(shown.headers.get("content-type")).toBe("image/png");
    expect(shown.headers.get("content-disposition")).toMatch(/^inline; filename="dot.png"/);
    expect(shown.headers.get("x-content-type-options")).toBe("nosniff");
    expect(Buffer.from(await shown.arrayBuffer()).equals(PNG_BYTES)).toBe(true);

    const saved = await get(page.id, owner.cookie);
    expect(saved.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(saved.headers.get("content-disposition")).toMatch(/^attachment; filename="page.html"/);
    expect(saved.headers.get("x-content-type-options")).toBe("nosniff");
    expect(saved.headers.get("content-security-policy")).toContain("sandbox");
    expect(await saved.text()).toBe("<script>alert(1)</script>");

    // Unsent, then sent: never anyone else's to read, not even with a share id that is not the conversation's.
    expect((await get(image.id, other.cookie)).status).toBe(404);
    gateway.enqueue({ tokens: ["Ok."] });
    const { ack } = await sendWithFiles(owner.cookie, { text: "Look", attachmentIds: [image.id] });
    expect((await get(image.id, other.cookie)).status).toBe(404);
    expect((await get(image.id, other.cookie, "?share=not-a-share")).status).toBe(404);
    expect((await get(randomUUID(), owner.cookie)).status).toBe(404);
    expect((await get("bad id", owner.cookie)).status).toBe(400);

    // Shared: a viewer reads it through the link, and only while the link lives.
    const shared = await fetch(`${server.url}/api/conversations/${ack.conversationId}`, {
      method: "PATCH",
      headers: { cookie: owner.cookie, "content-type": "application/json" },
      body: JSON.stringify({ visibility: "public" }),
    });
    const { shareId } = (await shared.json()) as { shareId: string };
    expect((await get(image.id, other.cookie, `?share=${shareId}`)).status).toBe(200);
    expect((await get(image.id, other.cookie)).status).toBe(404);
    await fetch(`${server.url}/api/conversations/${ack.conversationId}`, {
      method: "PATCH",
      headers: { cookie: owner.cookie, "content-type": "application/json" },
      body: JSON.stringify({ visibility: "private" }),
    });
    expect((await get(image.id, other.cookie, `?share=${shareId}`)).status).toBe(404);

    // Deleting the conversation deletes its files.
    const deleted = await fetch(`${server.url}/api/conversations/${ack.conversationId}`, {
      method: "DELETE",
      headers: { cookie: owner.cookie },
    });
    expect(deleted.status).toBe(204);
    expect((await get(image.id, owner.cookie)).status).toBe(404);
    expect((await get(page.id, owner.cookie)).status).toBe(200);
  });

  it("lets only the uploader take back a file not sent yet", async () => {
    const owner = await newSession(server.url);
    const other = await newSession(server.url);
    const file = stored(await upload(server.url, owner.cookie, "a.txt", Buffer.from("a")));
    const remove = (cookie: string) =>
      fetch(`${server.url}/api/attachments/${file.id}`, { method: "DELETE", headers: { cookie } });
    expect((await remove(other.cookie)).status).toBe(404);
    expect((await remove(owner.cookie)).status).toBe(204);
    const gone = await fetch(`${server.url}/api/attachments/${file.id}`, {
      headers: { cookie: owner.cookie },
    });
    expect(gone.status).toBe(404);
  });

  it("refuses attachment ids that are unknown, someone else's, another conversation's, or an image for an agent that cannot see", async () => {
    const owner = await newSession(server.url);
    const other = await newSession(server.url);
    const { socket, events } = await following.follow(server.url, owner.cookie);
    const send = (fields: Record<string, unknown>) =>
      request(socket, "send_message", { text: "Look", clientMessageId: randomUUID(), ...fields });
    const refusal = async (fields: Record<string, unknown>) => {
      const ack = await send(fields);
      return ack.ok ? "accepted" : ack.error.code;
    };

    const theirs = stored(await upload(server.url, other.cookie, "theirs.txt", Buffer.from("theirs")));
    expect(await refusal({ attachmentIds: [randomUUID()] })).toBe("bad_request:message");
    expect(await refusal({ attachmentIds: [theirs.id] })).toBe("bad_request:message");
    // Malformed lists, and a message of neither text nor files, are refused by the payload's schema.
    expect(await refusal({ attachmentIds: ["a", "a"] })).toBe("bad_request:socket");
    expect(await refusal({ attachmentIds: Array.from({ length: 9 }, (_, i) => `f${i}`) })).toBe(
      "bad_request:socket",
    );
    expect(await refusal({ text: "  ", attachmentIds: [] })).toBe("bad_request:socket");

    const image = stored(await upload(server.url, owner.cookie, "dot.png", PNG_BYTES));
    const blindAck = await send({ attachmentIds: [image.id], agentIds: ["blind"] });
    expect(blindAck.ok === false && blindAck.error.message).toMatch(/Blind cannot see images/);

    gateway.setDefault({ tokens: ["Ok."] });
    const first = expectOk(await send({ attachmentIds: [image.id], agentIds: ["atlas"] }));
    // Its conversation may show it again (a retry, an edit); another conversation may not.
    const again = expectOk(await send({ attachmentIds: [image.id], conversationId: first.conversationId }));
    expect(await refusal({ attachmentIds: [image.id] })).toBe("bad_request:message");

    // The same through HTTP.
    const post = (cookie: string, body: object) =>
      fetch(`${server.url}/api/conversations/${first.conversationId}/messages`, {
        method: "POST",
        headers: { cookie, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    expect((await post(owner.cookie, { text: "Again", attachmentIds: [theirs.id] })).status).toBe(400);
    const notes = stored(await upload(server.url, owner.cookie, "n.md", Buffer.from("n")));
    const accepted = await post(owner.cookie, { text: "", attachmentIds: [notes.id], agentIds: ["blind"] });
    expect(accepted.status).toBe(202);
    const { runs } = (await accepted.json()) as { runs: Array<{ messageId: string }> };
    for (const run of [...first.runs, ...again.runs, ...runs]) await events.terminalOf(run.messageId);
  });

  it("answers a retry of a message with files as the first send, though its files now belong to the conversation", async () => {
    const { cookie } = await newSession(server.url);
    const { socket, events } = await following.follow(server.url, cookie);
    const file = stored(await upload(server.url, cookie, "a.txt", Buffer.from("a")));
    gateway.setDefault({ tokens: ["Ok."] });
    const payload = { text: "Once", attachmentIds: [file.id], clientMessageId: randomUUID() };
    const first = expectOk(await request(socket, "send_message", payload));
    const again = expectOk(await request(socket, "send_message", payload));
    expect(again.userMessageId).toBe(first.userMessageId);
    expect(again.conversationId).toBe(first.conversationId);
    await events.terminalOf(first.runs[0]?.messageId ?? "");
  });
});
