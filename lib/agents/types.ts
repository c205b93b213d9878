import type { ReasoningEffort } from "../llm/types";
import type { ToolGrant } from "./tools/registry";

/** An agent as configured in the roster (AGENTS_FILE or built in). */
export type AgentProfile = {
  id: string;
  name: string;
  description: string;
  systemPrompt: string;
  /** Model name as the gateway knows it; the upstream default when absent. */
  model?: string;
  maxOutputTokens?: number;
  temperature?: number;
  /** How hard a reasoning model should think, passed upstream; the model's default when absent. */
  reasoningEffort?: ReasoningEffort;
  /** The tools it may call, checked at start-up; none when absent. */
  tools?: ToolGrant[];
  /** Model → tool → model steps of one answer at most; DEFAULT_MAX_STEPS when absent. */
  maxSteps?: number;
  /** Whether its model takes images; false: images are refused for it and left out of what it reads. Absent: it does. */
  vision?: boolean;
};

/** What the browser may see of an agent: no prompt; its tools by the names they are granted under. */
export type PublicAgent = Pick<AgentProfile, "id" | "name" | "description" | "model" | "vision"> & {
  tools: string[];
};
