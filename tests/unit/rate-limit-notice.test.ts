import { describe, expect, it } from "vitest";
import { refusalText } from "@/app/_components/rate-limit-notice";
import { chatReducer, initialChatState } from "@/lib/client/state";

describe("a send refused over a limit", () => {
  it("is taken out of the list while unsent, and only then", () => {
    const send = (clientMessageId: string) =>
      ({
        type: "local_send",
        clientMessageId,
        text: clientMessageId,
        agentIds: null,
        createdAt: "now",
      }) as const;
    let state = initialChatState({ agentNames: {} });
    for (const action of [send("kept"), send("refused")]) state = chatReducer(state, action);
    state = chatReducer(state, {
      type: "send_acked",
      clientMessageId: "kept",
      result: { conversationId: "c", userMessageId: "m1", runs: [] },
    });
    state = chatReducer(state, { type: "send_withdrawn", clientMessageId: "refused" });
    state = chatReducer(state, { type: "send_withdrawn", clientMessageId: "kept" });
    expect(state.entries.map((entry) => entry.key)).toEqual(["kept"]);
  });

  it("says why and counts the seconds left, rounding up, until the wait is over", () => {
    const refusal = { message: "You're sending messages too fast.", until: 12_000 };
    expect(refusalText(refusal, 0)).toBe("You're sending messages too fast — try again in 12 s.");
    expect(refusalText(refusal, 10_500)).toBe("You're sending messages too fast — try again in 2 s.");
    expect(refusalText(refusal, 12_000)).toBeNull();
  });
});
