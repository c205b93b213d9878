import { z } from "zod";
import type { ToolDefinition } from "../../llm/types";

/** An agent of the roster as another agent sees it when choosing whom to ask. */
export type Colleague = { id: string; name: string; description: string };

/** How a consulted agent's answer ended. */
export type ConsultOutcome =
  | { status: "complete"; text: string }
  | { status: "cancelled" | "error"; text: string; error?: string };

/** Runs another agent's answer to one question as a nested run of the asking one. */
export type Consult = (input: {
  agentId: string;
  question: string;
  toolCallId: string;
  signal: AbortSignal;
}) => Promise<ConsultOutcome>;

const QUESTION_MAX = 8_000;

const inputSchema = z.object({
  agentId: z.string().min(1).max(64).describe("The id of the agent to ask"),
  question: z
    .string()
    .trim()
    .min(1)
    .max(QUESTION_MAX)
    .describe("The question, with whatever the other agent needs to answer it"),
});

/**
 * `ask_agent`: one agent consults another of the roster. The other agent sees
 * the conversation so far and the question, answers as a run of its own that
 * every viewer watches inside the asking answer, and its answer is the result.
 * An agent cannot ask itself.
 */
export function createAskAgentTool(input: {
  self: Colleague;
  roster: readonly Colleague[];
  consult: Consult;
}): ToolDefinition<typeof inputSchema> {
  const others = input.roster.filter((agent) => agent.id !== input.self.id);
  const listed = others.map((agent) => `- ${agent.id} (${agent.name}): ${agent.description}`).join("\n");
  return {
    name: "ask_agent",
    description:
      "Ask another agent of this team a question and get its answer. It sees the conversation so far. " +
      `The agents you can ask:\n${listed}`,
    inputSchema,
    ownTimeouts: true,
    async execute(raw, { abortSignal, toolCallId }) {
      const { agentId, question } = inputSchema.parse(raw);
      if (agentId === input.self.id) throw new Error("An agent cannot ask itself.");
      const other = others.find((agent) => agent.id === agentId);
      if (!other) {
        const known = others.map((agent) => agent.id).join(", ");
        throw new Error(`There is no agent "${agentId}" to ask (you can ask: ${known || "nobody"}).`);
      }
      const outcome = await input.consult({ agentId, question, toolCallId, signal: abortSignal });
      if (outcome.status === "complete") return outcome.text;
      const partial = outcome.text ? ` Its answer so far: ${outcome.text}` : "";
      if (outcome.status === "cancelled") throw new Error(`${other.name}'s answer was stopped.${partial}`);
      throw new Error(`${other.name} could not answer: ${outcome.error ?? "it failed"}.${partial}`);
    },
  };
}
