import type { z } from "zod";
import type { FinishReason, MessagePart, RunStatus, ToolApproval, Usage } from "../protocol";
import type { ToolChange } from "../protocol/parts";

/**
 * A file a user message carried, as the model is sent it: an image as its
 * bytes, a text file (or a PDF's text) as text under its name, or a note
 * that a file was left out (an image for a model that cannot see).
 */
export type TurnAttachment =
  | { type: "image"; name: string; mediaType: string; data: Uint8Array }
  | { type: "text"; name: string; text: string }
  | { type: "omitted"; name: string; reason: string };

/**
 * One earlier message sent upstream. A user turn may carry files; an
 * assistant turn may carry its parts, so the model sees the tool calls it
 * made and their results (reasoning is never sent back).
 */
export type ChatTurn =
  | { role: "user"; content: string; attachments?: TurnAttachment[] }
  | { role: "assistant"; content: string; parts?: MessagePart[] };

/**
 * A tool's input described as JSON Schema (MCP tools): shown to the model as it
 * is; the tool itself (the MCP server) validates the input.
 */
export type JsonSchemaInput = { jsonSchema: Record<string, unknown> };

/** A tool an agent may call, described without any AI SDK type (lib/llm turns it into one). */
export type ToolDefinition<Schema extends z.ZodType | JsonSchemaInput = z.ZodType | JsonSchemaInput> = {
  name: string;
  description: string;
  /**
   * A zod schema validates the model's input before `execute` sees it, and its
   * JSON Schema is what the model is shown; a JsonSchemaInput is passed on as it is.
   */
  inputSchema: Schema;
  /** The tool bounds its own time (a nested answer has its own timeouts): TOOL_TIMEOUT_MS does not apply. */
  ownTimeouts?: boolean;
  /** Each call waits for the owner's approval before it runs (StreamRequest.approveToolCall). */
  requireApproval?: boolean;
  /** The result is sent back to the model as it is (strings as text, anything else as JSON). */
  execute(input: unknown, context: { abortSignal: AbortSignal; toolCallId: string }): Promise<unknown>;
};

/** How the owner answered a call waiting for approval, or that nobody did in time. */
export type ApprovalAnswer = Exclude<ToolApproval, "requested">;

/** Waits for the owner's answer to one call; the signal ends the wait when the run ends. */
export type ApproveToolCall = (
  call: { toolCallId: string; toolName: string; input: unknown },
  signal: AbortSignal,
) => Promise<ApprovalAnswer>;

/** A change in one tool call, in order with the text and reasoning deltas. */
export type ToolEvent = ToolChange;

export type ModelInfo = { id: string; ownedBy?: string };

export type LlmClientKind = "gateway" | "ollama" | "demo";

export type StatusReport = {
  status: RunStatus;
  detail: string;
  attempt?: number;
  retryInMs?: number;
};

export type ReasoningEffort = "low" | "medium" | "high";

export type StreamRequest = {
  modelId: string;
  system: string;
  messages: ChatTurn[];
  maxOutputTokens?: number;
  temperature?: number;
  /** Sent upstream as `reasoning_effort` (LiteLLM, Ollama's /v1); absent: the model's default. */
  reasoningEffort?: ReasoningEffort;
  /** Aborting ends the run at once and closes the upstream request. */
  abortSignal: AbortSignal;
  /** Called once per upstream text delta, in order, never with an empty string. */
  onDelta: (delta: string) => void;
  /**
   * Called once per reasoning delta (`reasoning_content` / `reasoning` fields,
   * or `<think>` in the content), in order with onDelta, never with an empty
   * string. Reasoning never reaches onDelta.
   */
  onReasoning?: (delta: string) => void;
  /** Tools the model may call; with none the request carries no tools. */
  tools?: ToolDefinition[];
  /** Model → tool → model steps at most (default 5); the last step cannot call a tool. */
  maxSteps?: number;
  /** Longest a tool call may run before it fails as timed out (TOOL_TIMEOUT_MS). */
  toolTimeoutMs?: number;
  /**
   * Asked before a call to a tool with `requireApproval` runs; without it such
   * calls are denied. The wait counts against neither the tool's timeout nor the stall watchdog.
   */
  approveToolCall?: ApproveToolCall;
  /** Called for every change of a tool call: input streaming, input ready, output or error. */
  onTool?: (event: ToolEvent) => void;
  /** What the run is waiting on: rate limits, retries, simulated streaming. */
  onStatus?: (report: StatusReport) => void;
  /** Told of every failed upstream attempt, the retried ones included. */
  onAttemptFailed?: (failure: { code: LlmErrorCode; status?: number }) => void;
};

export type StreamResult = {
  /** Exactly the concatenation of every delta passed to onDelta. */
  text: string;
  /** Exactly the concatenation of every delta passed to onReasoning. */
  reasoning: string;
  /** `cancelled` when the caller's abortSignal ended the run. */
  finishReason: FinishReason;
  usage: Usage;
  /** Until the first text or reasoning delta or tool event. */
  firstTokenMs: number | null;
  totalMs: number;
  /** True when the answer came whole and was streamed by simulation. */
  simulated: boolean;
  /** Model calls made (model → tool → model … counts each model call); always set by LlmClient.stream. */
  steps?: number;
  /** Tool calls the model made, the refused and failed ones included; always set by LlmClient.stream. */
  toolCalls?: number;
};

export type LlmErrorCode =
  | "model_not_found"
  | "rate_limited"
  | "upstream_error"
  | "upstream_unreachable"
  | "connection_lost"
  | "first_token_timeout"
  | "stalled"
  | "bad_request"
  | "unauthorized"
  | "empty_answer";

/** Every failure of a model call, with what the user may read and whether a retry could help. */
export class LlmError extends Error {
  override readonly name = "LlmError";
  readonly code: LlmErrorCode;
  readonly retryable: boolean;
  readonly status: number | undefined;
  /** The text received before the failure. */
  readonly partialText: string;

  constructor(init: {
    code: LlmErrorCode;
    message: string;
    retryable: boolean;
    status?: number;
    partialText?: string;
    cause?: unknown;
  }) {
    super(init.message, { cause: init.cause });
    this.code = init.code;
    this.retryable = init.retryable;
    this.status = init.status;
    this.partialText = init.partialText ?? "";
  }
}

export type UpstreamHealth = {
  ok: boolean;
  kind: LlmClientKind;
  label: string;
  detail?: string;
  /** When the status was taken, for a remembered one. */
  checkedAt?: string;
};

/** The one door to a language model; agents depend on this, never on a provider. */
export interface LlmClient {
  readonly kind: LlmClientKind;
  /** One line for logs and the UI, never holding a secret, e.g. "Demo model (offline)". */
  readonly label: string;
  /** LLM_MODEL when set, else the first model the upstream lists. */
  defaultModel(): Promise<string>;
  listModels(): Promise<ModelInfo[]>;
  /** Streams one answer; rejects with an LlmError on any failure except the caller's abort. */
  stream(request: StreamRequest): Promise<StreamResult>;
  /** Asks the upstream now (with a short timeout). */
  health(): Promise<UpstreamHealth>;
  /** The last known status without waiting; refreshed in the background at most every 30 s. */
  lastKnownHealth(): UpstreamHealth;
}
