import { randomUUID } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Attachment, Conversation, Message } from "@/lib/protocol";
import { upload } from "../helpers/attachments";
import { type BackendSetUp, serverBackends } from "../helpers/backends";
import { expectOk, fetchConversation, followingSockets, newSession, request } from "../helpers/client";
import { type GatewayServer, startServerWithGateway } from "../helpers/gateway-server";

const following = followingSockets();

/** The user and assistant turns a request sent upstream, as "role: text" lines, the system prompt left out. */
function turnsOf(messages: Array<{ role: string; content?: unknown }>): string[] {
  return messages
    .filter((message) => message.role !== "system")
    .map((message) => {
      const text =
        typeof message.content === "string"
          ? message.content
          : ((message.content ?? []) as Array<{ text?: string }>).map((part) => part.text ?? "").join("");
      return `${message.role}: ${text}`;
    });
}

describe.each(serverBackends)(
  "branches on $name",
  (backend) => {
    let running: GatewayServer;
    let storage: BackendSetUp;

    beforeAll(async () => {
      storage = await backend.setUp();
      running = await startServerWithGateway({ env: storage.env });
    });
    afterAll(async () => {
      await running?.stop();
      await storage?.tearDown();
    });
    afterEach(() => {
      expect(following.closeAll()).toEqual([]);
      running.gateway.reset();
    });

    /** The owner's tab, a second tab, and a share viewer, all in one conversation of one answered question. */
    async function answeredConversation() {
      const { server, gateway } = running;
      const { cookie } = await newSession(server.url);
      const owner = await following.follow(server.url, cookie);
      gateway.enqueue({ tokens: ["Paris", "."] });
      const first = expectOk(
        await request(owner.socket, "send_message", {
          text: "Capital of France?",
          agentIds: ["atlas"],
          clientMessageId: randomUUID(),
        }),
      );
      await owner.events.terminalOf(first.runs[0]?.messageId ?? "");
      const { conversationId } = first;
      const shared = await fetch(`${server.url}/api/conversations/${conversationId}`, {
        method: "PATCH",
        headers: { cookie, "content-type": "application/json", origin: server.url },
        body: JSON.stringify({ visibility: "public" }),
      });
      const { shareId } = (await shared.json()) as { shareId: string };
      const tab = await following.follow(server.url, cookie);
      expectOk(await request(tab.socket, "join_conversation", { conversationId }));
      const viewer = await following.follow(server.url, (await newSession(server.url)).cookie);
      expectOk(await request(viewer.socket, "join_conversation", { shareId }));
      // What the gateway is asked from here on is what the test asks for.
      gateway.reset();
      return {
        cookie,
        owner,
        tab,
        viewer,
        conversationId,
        question: first.userMessageId,
        answer: first.runs[0]?.messageId ?? "",
      };
    }

    const ids = (messages: Message[]) => messages.map((message) => message.id);

    it("answers an edit with a history that holds the edit and not the original, as a sibling of the original", async () => {
      const { gateway } = running;
      const { owner, tab, viewer, conversationId, question, cookie } = await answeredConversation();
      gateway.enqueue({ tokens: ["Rome", "."] });
      const edit = {
        conversationId,
        messageId: question,
        text: "Capital of Italy?",
        clientMessageId: randomUUID(),
      };
      const ack = expectOk(await request(owner.socket, "edit_message", edit));
      const answer = ack.runs[0]?.messageId ?? "";
      expect(ack.runs.map((run) => run.agentId)).toEqual(["atlas"]);
      await owner.events.terminalOf(answer);
      const [sent] = await gateway.waitForRequests(1);
      expect(turnsOf(sent?.messages ?? [])).toEqual(["user: Capital of Italy?"]);

      // A retry of the edit (same clientMessageId) acks the same ids and asks nothing more.
      expect(expectOk(await request(owner.socket, "edit_message", edit))).toEqual(ack);

      // Every tab and every viewer learn of the new message, its answer and the branch.
      for (const { events } of [owner, tab, viewer]) {
        const switchedTo = () =>
          events.events.filter((e) => e.name === "branch_switched").map((e) => e.payload.activeLeafId);
        await events.waitFor(() => switchedTo().at(-1) === answer);
        const about = (name: string, id: string) =>
          events.events.filter((e) => e.name === name && (e.payload.message as { id: string }).id === id);
        expect(about("message_created", ack.userMessageId).map((e) => e.payload.message)).toEqual([
          expect.objectContaining({ parentId: null, text: edit.text }),
        ]);
        expect(about("answer_created", answer).map((e) => e.payload.message)).toEqual([
          expect.objectContaining({
            parentId: ack.userMessageId,
            replyToId: ack.userMessageId,
            agentId: "atlas",
          }),
        ]);
        // The new message and its answer are announced before the answer's first event.
        const placedAt = events.events.findIndex(
          (e) => e.name === "answer_created" && (e.payload.message as { id: string }).id === answer,
        );
        expect(placedAt).toBeLessThan(
          events.events.findIndex(
            (e) => e.name === "agent_processing_started" && e.payload.messageId === answer,
          ),
        );
      }
      expect(gateway.requests).toHaveLength(1);

      // The active path is the edit and its answer; the original and its answer are the other branch.
      const original = await fetchConversation(running.server.url, cookie, conversationId);
      expect(ids(original.messages)).toEqual([ack.userMessageId, answer]);
      expect(original.activeLeafId).toBe(answer);
      expect(original).not.toHaveProperty("otherBranches");
      const joined = expectOk(await request(tab.socket, "join_conversation", { conversationId }));
      expect(ids(joined.conversation.messages)).toEqual([ack.userMessageId, answer]);
      expect(joined.conversation.otherBranches?.map((m) => [m.role, m.text])).toEqual([
        ["user", "Capital of France?"],
        ["assistant", "Paris."],
      ]);
    });

    it("regenerates an answer with another agent as a sibling, switches back and forth, and a follow-up reads the active path", async () => {
      const { gateway, server } = running;
      const { owner, viewer, conversationId, question, answer, cookie } = await answeredConversation();
      gateway.enqueue({ tokens: ["Paris, ", "on the Seine."] });
      const again = { conversationId, messageId: answer, agentId: "quill", clientMessageId: randomUUID() };
      const ack = expectOk(await request(owner.socket, "regenerate", again));
      const sibling = ack.runs[0]?.messageId ?? "";
      expect(ack).toMatchObject({ conversationId, userMessageId: question, runs: [{ agentId: "quill" }] });
      expect(await owner.events.terminalOf(sibling)).toMatchObject({ text: "Paris, on the Seine." });
      // Quill reads the question, not the answer it replaces.
      const [sent] = await gateway.waitForRequests(1);
      expect(turnsOf(sent?.messages ?? [])).toEqual(["user: Capital of France?"]);
      expect(expectOk(await request(owner.socket, "regenerate", again))).toEqual(ack);
      expect(gateway.requests).toHaveLength(1);

      const regenerated = await fetchConversation(server.url, cookie, conversationId);
      expect(regenerated.messages.map((m) => [m.id, m.parentId])).toEqual([
        [question, null],
        [sibling, question],
      ]);

      // Back to the first answer: the owner's ack, then every viewer, hear of it.
      const switched = expectOk(
        await request(owner.socket, "switch_branch", { conversationId, messageId: answer }),
      );
      expect(switched.activeLeafId).toBe(answer);
      await viewer.events.waitFor(() =>
        viewer.events.events.some((e) => e.name === "branch_switched" && e.payload.activeLeafId === answer),
      );
      const back = await fetchConversation(server.url, cookie, conversationId);
      expect(ids(back.messages)).toEqual([question, answer]);
      const all = await fetchConversationWithBranches(server.url, cookie, conversationId);
      expect(ids(all.otherBranches ?? [])).toEqual([sibling]);

      // A follow-up goes on from the first answer, and Atlas reads that branch only.
      gateway.enqueue({ tokens: ["About 2 million."] });
      const follow = expectOk(
        await request(owner.socket, "send_message", {
          conversationId,
          text: "How many people live there?",
          agentIds: ["atlas"],
          clientMessageId: randomUUID(),
        }),
      );
      await owner.events.terminalOf(follow.runs[0]?.messageId ?? "");
      const followed = await gateway.waitForRequests(2);
      expect(turnsOf(followed[1]?.messages ?? [])).toEqual([
        "user: Capital of France?",
        "assistant: Paris.",
        "user: How many people live there?",
      ]);
      const after = await fetchConversation(server.url, cookie, conversationId);
      expect(after.messages.map((m) => m.parentId)).toEqual([null, question, answer, follow.userMessageId]);

      // Switching to the sibling again shows it alone: the follow-up lives on the other branch.
      expectOk(await request(owner.socket, "switch_branch", { conversationId, messageId: sibling }));
      expect(ids((await fetchConversation(server.url, cookie, conversationId)).messages)).toEqual([
        question,
        sibling,
      ]);
      // The page's first message switches to its whole branch, down through the latest messages.
      expectOk(await request(owner.socket, "switch_branch", { conversationId, messageId: answer }));
      expect(ids((await fetchConversation(server.url, cookie, conversationId)).messages)).toEqual([
        question,
        answer,
        follow.userMessageId,
        follow.runs[0]?.messageId,
      ]);
    });

    it("keeps a run on an inactive branch streaming to its end, there when switched back to", async () => {
      const { gateway, server } = running;
      const { owner, viewer, conversationId, answer, cookie } = await answeredConversation();
      const tokens = Array.from({ length: 40 }, (_, i) => `w${i} `);
      gateway.enqueue({ tokens, tokenDelayMs: 25 });
      const slow = expectOk(
        await request(owner.socket, "regenerate", {
          conversationId,
          messageId: answer,
          clientMessageId: randomUUID(),
        }),
      );
      const running1 = slow.runs[0]?.messageId ?? "";
      await owner.events.waitFor(() =>
        owner.events.forMessage(running1).some((e) => e.name === "agent_processing_update"),
      );
      // Away from it while it streams: back to the first answer.
      expectOk(await request(owner.socket, "switch_branch", { conversationId, messageId: answer }));
      const done = await viewer.events.terminalOf(running1);
      expect(done).toMatchObject({ text: tokens.join("") });
      const stored = await fetchConversationWithBranches(server.url, cookie, conversationId);
      expect(ids(stored.messages).at(-1)).toBe(answer);
      expect(stored.otherBranches?.find((m) => m.id === running1)).toMatchObject({
        status: "complete",
        text: tokens.join(""),
      });
      expectOk(await request(owner.socket, "switch_branch", { conversationId, messageId: running1 }));
      const shown = await fetchConversation(server.url, cookie, conversationId);
      expect(shown.messages.at(-1)).toMatchObject({ id: running1, text: tokens.join("") });
    });

    it("chains a message's answers, and an edit asks the same agents again with the same files", async () => {
      const { gateway, server } = running;
      const { cookie } = await newSession(server.url);
      const { socket, events } = await following.follow(server.url, cookie);
      const file = (await upload(server.url, cookie, "notes.md", Buffer.from("Bring an umbrella.")))
        .body as Attachment;
      gateway.enqueue({ tokens: ["Atlas says hi."] }, { tokens: ["Quill says hi."] });
      const sent = expectOk(
        await request(socket, "send_message", {
          text: "Plan the day",
          agentIds: ["atlas", "quill"],
          attachmentIds: [file.id],
          clientMessageId: randomUUID(),
        }),
      );
      const [atlas, quill] = sent.runs.map((run) => run.messageId);
      await events.terminalOf(quill ?? "");
      const { conversationId } = sent;
      expect(
        (await fetchConversation(server.url, cookie, conversationId)).messages.map((m) => [m.id, m.parentId]),
      ).toEqual([
        [sent.userMessageId, null],
        [atlas, sent.userMessageId],
        [quill, atlas],
      ]);
      gateway.reset();

      gateway.enqueue({ tokens: ["Atlas again."] }, { tokens: ["Quill again."] });
      const edited = expectOk(
        await request(socket, "edit_message", {
          conversationId,
          messageId: sent.userMessageId,
          text: "Plan the evening",
          clientMessageId: randomUUID(),
        }),
      );
      expect(edited.runs.map((run) => run.agentId)).toEqual(["atlas", "quill"]);
      await events.terminalOf(edited.runs[1]?.messageId ?? "");
      const [toAtlas, toQuill] = await gateway.waitForRequests(2);
      const asked = JSON.stringify(toAtlas?.messages.at(-1));
      expect(asked).toContain("Plan the evening");
      expect(asked).toContain("Bring an umbrella.");
      expect(asked).not.toContain("Plan the day");
      // Quill, second in turn, reads Atlas's new answer, not the old one.
      expect(turnsOf(toQuill?.messages ?? []).slice(1)).toEqual(["user: [Atlas]: Atlas again."]);
      const shown = await fetchConversation(server.url, cookie, conversationId);
      expect(shown.messages.map((m) => m.text)).toEqual(["Plan the evening", "Atlas again.", "Quill again."]);
      expect(shown.messages[0]?.attachments?.map((a) => a.id)).toEqual([file.id]);
    });

    it("takes back a queued message from the middle of a branch: what came after it moves up", async () => {
      const { gateway, server } = running;
      const { cookie } = await newSession(server.url);
      const { socket, events } = await following.follow(server.url, cookie);
      gateway.enqueue({ tokens: Array.from({ length: 60 }, (_, i) => `f${i} `), tokenDelayMs: 30 });
      const say = (text: string, conversationId?: string) =>
        request(socket, "send_message", {
          conversationId,
          text,
          agentIds: ["atlas"],
          clientMessageId: randomUUID(),
        });
      const first = expectOk(await say("First"));
      const { conversationId } = first;
      const second = expectOk(await say("Second", conversationId));
      const third = expectOk(await say("Third", conversationId));
      expectOk(await request(socket, "remove_message", { conversationId, messageId: second.userMessageId }));
      gateway.setDefault({ tokens: ["Third answered."] });
      await events.terminalOf(third.runs[0]?.messageId ?? "", 30_000);
      const shown = await fetchConversation(server.url, cookie, conversationId);
      expect(shown.messages.map((m) => m.id)).toEqual([
        first.userMessageId,
        first.runs[0]?.messageId,
        third.userMessageId,
        third.runs[0]?.messageId,
      ]);
      expect(shown.messages[2]?.parentId).toBe(first.runs[0]?.messageId);
      const [, toThird] = await gateway.waitForRequests(2);
      expect(turnsOf(toThird?.messages ?? []).map((turn) => turn.slice(0, 15))).toEqual([
        "user: First",
        "assistant: f0 f",
        "user: Third",
      ]);
    });

    it("refuses strangers, viewers and messages that are not of the tree, and changes nothing", async () => {
      const { server } = running;
      const { owner, viewer, conversationId, question, answer, cookie } = await answeredConversation();
      const before = await fetchConversationWithBranches(server.url, cookie, conversationId);
      const codeOf = (ack: { ok: boolean; error?: { code: string } }) => (ack.ok ? "ok" : ack.error?.code);
      const payloads = {
        edit: { conversationId, messageId: question, text: "x", clientMessageId: randomUUID() },
        regenerate: { conversationId, messageId: answer, clientMessageId: randomUUID() },
        switch: { conversationId, messageId: answer },
      };
      expect(codeOf(await request(viewer.socket, "edit_message", payloads.edit))).toBe(
        "forbidden:conversation",
      );
      expect(codeOf(await request(viewer.socket, "regenerate", payloads.regenerate))).toBe(
        "forbidden:conversation",
      );
      expect(codeOf(await request(viewer.socket, "switch_branch", payloads.switch))).toBe(
        "forbidden:conversation",
      );
      // The owner, but the wrong kind of message, or none.
      expect(
        codeOf(await request(owner.socket, "edit_message", { ...payloads.edit, messageId: answer })),
      ).toBe("not_found:message");
      expect(
        codeOf(await request(owner.socket, "regenerate", { ...payloads.regenerate, messageId: question })),
      ).toBe("not_found:message");
      expect(
        codeOf(await request(owner.socket, "switch_branch", { conversationId, messageId: "nope" })),
      ).toBe("not_found:message");
      expect(
        codeOf(await request(owner.socket, "regenerate", { ...payloads.regenerate, agentId: "nobody" })),
      ).toBe("bad_request:message");
      // An edit to nothing: no text and no files.
      expect(codeOf(await request(owner.socket, "edit_message", { ...payloads.edit, text: "  " }))).toBe(
        "bad_request:message",
      );
      // Bad payloads are refused before anything is looked up.
      expect(codeOf(await request(owner.socket, "switch_branch", { conversationId } as never))).toBe(
        "bad_request:socket",
      );
      expect(await fetchConversationWithBranches(server.url, cookie, conversationId)).toEqual(before);
      expect(running.gateway.requests).toHaveLength(0);
    });
  },
  120_000,
);

async function fetchConversationWithBranches(
  baseUrl: string,
  cookie: string,
  id: string,
): Promise<Conversation> {
  const response = await fetch(`${baseUrl}/api/conversations/${id}?branches=all`, { headers: { cookie } });
  if (response.status !== 200) throw new Error(`GET conversation ${id}: HTTP ${response.status}`);
  return (await response.json()) as Conversation;
}
