import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { grantRefusal, type ToolGrant } from "./tools/registry";
import type { AgentProfile, PublicAgent } from "./types";

export const DEFAULT_MAX_STEPS = 5;
export const MAX_STEPS_LIMIT = 20;

// A grant is a tool's name, or { name, requireApproval } (SPEC §7).
const toolGrantSchema = z
  .union([
    z.string().trim().min(1),
    z.object({ name: z.string().trim().min(1), requireApproval: z.boolean().default(false) }),
  ])
  .transform(
    (grant): ToolGrant => (typeof grant === "string" ? { name: grant, requireApproval: false } : grant),
  );

const agentProfileSchema = (mcpServers: readonly string[]) =>
  z
    .object({
      id: z
        .string()
        .trim()
        .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, "ids are lowercase letters, digits, - and _"),
      name: z.string().trim().min(1).max(80),
      description: z.string().trim().max(300).default(""),
      systemPrompt: z.string().trim().min(1),
      model: z.string().trim().min(1).optional(),
      maxOutputTokens: z.number().int().positive().max(200_000).optional(),
      temperature: z.number().min(0).max(2).optional(),
      reasoningEffort: z.enum(["low", "medium", "high"]).optional(),
      tools: z
        .array(toolGrantSchema)
        .transform((grants) =>
          grants.filter((grant, i) => grants.findIndex((g) => g.name === grant.name) === i),
        )
        .optional(),
      maxSteps: z.number().int().min(1).max(MAX_STEPS_LIMIT).optional(),
      vision: z.boolean().optional(),
    })
    .superRefine((agent, ctx) => {
      for (const [index, grant] of (agent.tools ?? []).entries()) {
        const message = grantRefusal(agent.id, grant, mcpServers);
        if (message) ctx.addIssue({ code: "custom", path: ["tools", index], message });
      }
    });

// A bare array is accepted as shorthand for { agents: [...] }; normalising
// first keeps error paths precise ("agents.0.systemPrompt").
const rosterFileSchema = (mcpServers: readonly string[]) =>
  z
    .preprocess(
      (value) => (Array.isArray(value) ? { agents: value } : value),
      z.object({ agents: z.array(agentProfileSchema(mcpServers)) }),
    )
    .transform((value) => value.agents)
    .refine((agents) => agents.length > 0, "the roster needs at least one agent")
    .refine((agents) => new Set(agents.map((a) => a.id)).size === agents.length, "agent ids must be unique");

export const builtInAgents: AgentProfile[] = [
  {
    id: "atlas",
    name: "Atlas",
    description: "A thorough generalist: explains, plans and writes code.",
    systemPrompt:
      "You are Atlas, a knowledgeable and friendly assistant in a group chat. Answer clearly and " +
      "completely, use Markdown (headings, lists, fenced code with a language) where it helps, and say " +
      "so when you are unsure. Other participants' messages may be prefixed with their name in brackets. " +
      "Use the calculator for arithmetic and current_time for today's date or the time. When a second " +
      "opinion helps, or when you are asked to, consult Quill with ask_agent.",
    maxOutputTokens: 2048,
    tools: [
      { name: "calculator", requireApproval: false },
      { name: "current_time", requireApproval: false },
      { name: "ask_agent", requireApproval: false },
    ],
  },
  {
    id: "quill",
    name: "Quill",
    description: "A terse reviewer: short answers, points out flaws and edge cases.",
    systemPrompt:
      "You are Quill, a sharp and concise reviewer in a group chat. Keep answers short (a few sentences " +
      "or a tight list). When another agent has answered, check its answer: point out mistakes, missing " +
      "edge cases and simpler alternatives. Never repeat what was already said.",
    maxOutputTokens: 768,
  },
];

export class RosterError extends Error {
  override readonly name = "RosterError";
}

/**
 * Reads AGENTS_FILE (JSON or YAML); throws a RosterError saying what is wrong.
 * `mcpServers`: the MCP_SERVERS servers an `mcp:` grant may name.
 */
export function loadRoster(
  file: string | undefined,
  options: { mcpServers?: readonly string[] } = {},
): AgentProfile[] {
  if (!file) return builtInAgents;
  let raw: unknown;
  try {
    const text = readFileSync(file, "utf8");
    raw = /\.ya?ml$/i.test(file) ? parseYaml(text) : JSON.parse(text);
  } catch (error) {
    throw new RosterError(`cannot read ${file}: ${(error as Error).message}`, { cause: error });
  }
  const result = rosterFileSchema(options.mcpServers ?? []).safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue?.path.length ? ` at ${issue.path.join(".")}` : "";
    throw new RosterError(`${file}${where}: ${issue?.message ?? "invalid roster"}`);
  }
  return result.data;
}

export class Roster {
  private readonly byId: Map<string, AgentProfile>;

  constructor(readonly agents: AgentProfile[]) {
    this.byId = new Map(agents.map((agent) => [agent.id, agent]));
  }

  get(id: string): AgentProfile | undefined {
    return this.byId.get(id);
  }

  get defaultAgentIds(): string[] {
    return this.agents.slice(0, 1).map((agent) => agent.id);
  }

  /** The ids of agents that do not exist, so a request can be refused naming them. */
  unknown(ids: string[]): string[] {
    return ids.filter((id) => !this.byId.has(id));
  }

  listPublic(): PublicAgent[] {
    return this.agents.map(({ id, name, description, model, tools, vision }) => ({
      id,
      name,
      description,
      model,
      tools: (tools ?? []).map((grant) => grant.name),
      ...(vision !== undefined && { vision }),
    }));
  }
}
