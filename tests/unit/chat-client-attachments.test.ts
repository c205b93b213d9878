import { describe, expect, it } from "vitest";
import { chatReducer, initialChatState, type UserEntry } from "@/lib/client/state";
import type { Attachment } from "@/lib/protocol";

const C = "conv-1";
const files: Attachment[] = [
  { id: "f1", name: "dot.png", contentType: "image/png", size: 70 },
  { id: "f2", name: "notes.md", contentType: "text/plain", size: 12 },
];
const users = (entries: readonly { kind: string }[]) =>
  entries.filter((e): e is UserEntry => e.kind === "user");

describe("a message's files in the page's state", () => {
  it("shows them from the moment it is sent, and keeps them once the server has it", () => {
    let state = initialChatState({ agentNames: {} });
    state = chatReducer(state, {
      type: "local_send",
      clientMessageId: "c1",
      text: "",
      agentIds: null,
      attachments: files,
      createdAt: "2026-01-01T00:00:00Z",
    });
    expect(users(state.entries)[0]?.attachments).toEqual(files);
    state = chatReducer(state, {
      type: "send_acked",
      clientMessageId: "c1",
      result: { conversationId: C, userMessageId: "m1", runs: [] },
    });
    state = chatReducer(state, {
      type: "snapshot",
      snapshot: {
        conversation: {
          id: C,
          title: "t",
          visibility: "private",
          messages: [
            { id: "m1", role: "user", text: "", status: "complete", createdAt: "x", attachments: files },
          ],
        },
        inProgress: [],
      },
    });
    expect(users(state.entries)).toHaveLength(1);
    expect(users(state.entries)[0]?.attachments).toEqual(files);
  });

  it("takes them from message_created for a message sent elsewhere", () => {
    let state = chatReducer(initialChatState({ agentNames: {} }), {
      type: "snapshot",
      snapshot: { conversation: { id: C, title: "t", visibility: "private", messages: [] }, inProgress: [] },
    });
    state = chatReducer(state, {
      type: "server_event",
      event: {
        name: "message_created",
        payload: {
          conversationId: C,
          message: { id: "m2", role: "user", text: "Look", createdAt: "x", attachments: files },
        },
      },
    });
    expect(users(state.entries)[0]?.attachments).toEqual(files);
  });
});
