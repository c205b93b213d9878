import { describe, expect, it } from "vitest";
import {
  conversationIdOf,
  createConversationSchema,
  postMessageSchema,
} from "@/app/api/conversations/schemas";
import {
  idSchema,
  joinConversationSchema,
  messageTextSchema,
  sendMessageSchema,
  titleSchema,
} from "@/lib/protocol";

const firstIssue = (result: { success: boolean; error?: { issues: Array<{ message: string }> } }) =>
  result.error?.issues[0]?.message;

const controlCharacters = ["\u0000", "\u0001", "\u0007", "\u000b", "\u000c", "\u001b", "\u007f", "\u0085"];
const named = controlCharacters.map((c) => [c.charCodeAt(0).toString(16).padStart(4, "0"), c] as const);

describe("message text", () => {
  it.each(named)("refuses the control character U+%s with a clear message", (_code, character) => {
    const result = messageTextSchema.safeParse(`hello ${character} world`);
    expect(result.success).toBe(false);
    expect(firstIssue(result)).toBe("A message may not contain control characters");
  });

  it("keeps tabs, newlines, carriage returns and the rest of Unicode", () => {
    const text = "line one\r\n\tline two\nnaïve 👩‍👩‍👧 עברית \u200f";
    expect(messageTextSchema.parse(text)).toBe(text);
  });

  it("refuses a NUL byte even in a message at the length limit", () => {
    const text = `${"a".repeat(31_999)}\u0000`;
    expect(messageTextSchema.safeParse(text).success).toBe(false);
  });
});

describe("titles", () => {
  it("refuse NUL and other control characters", () => {
    for (const character of controlCharacters) {
      const result = titleSchema.safeParse(`Plans${character}for Monday`);
      expect(firstIssue(result)).toBe("A title may not contain control characters");
    }
  });

  it("are trimmed and otherwise kept as written", () => {
    expect(titleSchema.parse("  Plans for Monday 🗓  ")).toBe("Plans for Monday 🗓");
  });
});

describe("ids", () => {
  it.each([
    ["a UUID", "0b6a4c1e-3f5d-4b7a-9c2e-1d8f6a5b4c3d"],
    ["a share id", "Zk3x_9-QpLmN0aBc"],
    ["a guest id", "u_0b6a4c1e-3f5d-4b7a-9c2e-1d8f6a5b4c3d"],
    ["an agent id", "atlas"],
  ])("accept %s", (_name, id) => {
    expect(idSchema.parse(id)).toBe(id);
  });

  it.each([
    ["a NUL byte", "abc\u0000"],
    ["a control character", "abc\u001b[31m"],
    ["a newline", "abc\ndef"],
    ["a space", "abc def"],
    ["leading whitespace", " abc"],
    ["a no-break space", "abc\u00a0"],
    ["a zero-width space", "abc\u200b"],
    ["a lone surrogate", "abc\ud800"],
    ["nothing", ""],
    ["too many characters", "a".repeat(129)],
  ])("refuse %s", (_name, id) => {
    expect(idSchema.safeParse(id).success).toBe(false);
  });
});

describe("payloads that reach the database", () => {
  it("refuse control characters in every id and text a client sends", () => {
    const valid = { text: "hi", clientMessageId: "m-1", conversationId: "c-1", agentIds: ["atlas"] };
    expect(sendMessageSchema.safeParse(valid).success).toBe(true);
    for (const bad of [
      { text: "hi\u0000" },
      { clientMessageId: "m\u0000" },
      { conversationId: "c\u0000" },
      { agentIds: ["atlas\u0000"] },
    ]) {
      expect(sendMessageSchema.safeParse({ ...valid, ...bad }).success).toBe(false);
    }
    expect(joinConversationSchema.safeParse({ shareId: "s\u0000" }).success).toBe(false);
    expect(joinConversationSchema.safeParse({ conversationId: "c 1" }).success).toBe(false);
  });

  it("refuse them in HTTP bodies too", () => {
    expect(postMessageSchema.safeParse({ text: "a\u0000b" }).success).toBe(false);
    expect(postMessageSchema.safeParse({ text: "ok", clientMessageId: "x\u0000" }).success).toBe(false);
    expect(createConversationSchema.safeParse({ title: "t\u0000" }).success).toBe(false);
    expect(createConversationSchema.safeParse({ agentIds: ["\u0000"] }).success).toBe(false);
  });
});

describe("a conversation id taken from the URL", () => {
  const context = (id: string) => ({ params: Promise.resolve({ id }) });

  it("is refused as bad input before any query when it could not be an id", async () => {
    for (const id of ["\u0000", "abc\u0000def", "a b", "\ud800"]) {
      await expect(conversationIdOf(context(id))).rejects.toMatchObject({
        code: "bad_request:api",
        status: 400,
      });
    }
  });

  it("is passed on as it is otherwise", async () => {
    await expect(conversationIdOf(context("0b6a4c1e-3f5d"))).resolves.toBe("0b6a4c1e-3f5d");
  });
});
