import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { NestedRunsContext, OwnerActionsContext } from "@/app/_components/chat-context";
import { AssistantMessage } from "@/app/_components/message-card";
import { ToolCallCard } from "@/app/_components/tool-call-card";
import { callKey } from "@/lib/client/nested";
import { type AssistantEntry, newRun } from "@/lib/client/run";
import type { ToolPart } from "@/lib/protocol/parts";

const waiting: ToolPart = {
  type: "tool",
  toolCallId: "call-1",
  toolName: "calculator",
  state: "approval-requested",
  input: { expression: "6*7" },
  approval: "requested",
};

const owner = { answerApproval: async () => ({ ok: true as const }), stopRun: () => {} };

const card = (part: ToolPart, options: { running?: boolean; asOwner?: boolean } = {}) =>
  renderToStaticMarkup(
    <OwnerActionsContext value={options.asOwner ? owner : {}}>
      <ToolCallCard part={part} running={options.running ?? true} messageId="m-1" agentName="Atlas" />
    </OwnerActionsContext>,
  );

describe("a tool call waiting for approval", () => {
  it("asks the owner, naming the agent, the tool and its arguments, with Approve and Deny", () => {
    const html = card(waiting, { asOwner: true });
    expect(html).toContain('data-testid="tool-approval"');
    expect(html).toContain("Atlas wants to run Calculator");
    expect(html).toContain("{\n  &quot;expression&quot;: &quot;6*7&quot;\n}");
    expect(html).toMatch(/<button[^>]*data-testid="approve-tool"[^>]*>Approve<\/button>/);
    expect(html).toMatch(/<button[^>]*data-testid="deny-tool"[^>]*>Deny<\/button>/);
    expect(html).toContain("Waiting for approval");
  });

  it("shows a share viewer the same card, waiting for the owner, without buttons", () => {
    const html = card(waiting);
    expect(html).toContain('data-testid="tool-approval"');
    expect(html).toContain("Waiting for the owner&#x27;s approval.");
    expect(html).not.toContain("approve-tool");
    expect(html).not.toContain("deny-tool");
  });

  it("asks nothing once its answer has ended", () => {
    const html = card(waiting, { running: false, asOwner: true });
    expect(html).not.toContain('data-testid="tool-approval"');
    expect(html).toContain("Not run");
  });
});

describe("a tool call once the owner answered", () => {
  it("says Approved beside a result", () => {
    const html = card({ ...waiting, state: "output-available", approval: "approved", output: "42" });
    expect(html).toMatch(/data-testid="tool-approval-badge"[^>]*>Approved</);
    expect(html).toMatch(/data-testid="tool-output"[^>]*>42</);
    expect(html).not.toContain('data-testid="tool-approval"');
  });

  it("says Denied or Expired and that it did not run, not that it failed", () => {
    const denied = card({
      ...waiting,
      state: "output-error",
      approval: "denied",
      errorText: "The user denied this call, so it was not run.",
    });
    expect(denied).toMatch(/data-testid="tool-approval-badge"[^>]*>Denied</);
    expect(denied).toMatch(/data-testid="tool-status"[^>]*>Not run</);
    expect(denied).toContain("The user denied this call, so it was not run.");
    expect(denied).not.toContain("Failed");
    const expired = card({ ...waiting, state: "output-error", approval: "expired", errorText: "Too late." });
    expect(expired).toMatch(/data-testid="tool-approval-badge"[^>]*>Expired</);
  });
});

describe("an ask_agent call", () => {
  const asking: AssistantEntry = {
    ...newRun({ id: "a-1", agentId: "atlas", agentName: "Atlas" }),
    phase: "streaming",
    parts: [
      {
        type: "tool",
        toolCallId: "call-7",
        toolName: "ask_agent",
        state: "input-available",
        input: { agentId: "quill", question: "A haiku?" },
      },
    ],
  };
  const asked: AssistantEntry = {
    ...newRun({
      id: "q-1",
      agentId: "quill",
      agentName: "Quill",
      parent: { messageId: "a-1", toolCallId: "call-7" },
    }),
    phase: "streaming",
    text: "Quiet pond",
    parts: [{ type: "text", text: "Quiet pond" }],
  };

  it("shows the asked agent's answer inside its card, marked with the asking answer", () => {
    const html = renderToStaticMarkup(
      <NestedRunsContext value={new Map([[callKey("a-1", "call-7"), [asked]]])}>
        <AssistantMessage entry={asking} />
      </NestedRunsContext>,
    );
    const tool = html.indexOf('data-testid="tool-call"');
    const inner = html.indexOf('data-message-id="q-1"');
    expect(tool).toBeGreaterThan(0);
    expect(inner).toBeGreaterThan(tool);
    expect(html).toMatch(
      /data-message-id="q-1" data-agent-id="quill" data-parent-message-id="a-1" data-status="streaming"/,
    );
    expect(html).toContain("Quiet pond");
    expect(html).toContain("Waiting for the answer…");
    // The asking answer itself names no parent.
    expect(html).toMatch(/data-message-id="a-1" data-agent-id="atlas" data-status=/);
  });
});
