import type { RunOutcome } from "../db/queries";
import {
  type ChatTurn,
  type LlmClient,
  LlmError,
  type StreamResult,
  type ToolDefinition,
} from "../llm/types";
import type { Logger } from "../logger";
import type { RunError } from "../protocol";
import { type AnswerHistory, streamMs } from "./progress";
import { DEFAULT_MAX_STEPS } from "./roster";
import type { Run } from "./run";
import { interruptedError } from "./run-errors";
import { type RunObserver, type RunReport, tokensPerSecond } from "./run-report";
import type { Colleague, Consult, ConsultOutcome } from "./tools/ask-agent";
import type { McpToolSource } from "./tools/mcp-grants";
import { type AskAgentContext, mcpToolsForRun, type ToolServices, toolsForRun } from "./tools/registry";
import type { AgentProfile } from "./types";

export type AgentStore = {
  markRunStreamingById(input: { id: string; model: string }): Promise<void>;
  finishRunById(outcome: RunOutcome): Promise<{ createdAt: Date } | null>;
};

export type AgentDeps = {
  llm: LlmClient;
  store: AgentStore;
  history: AnswerHistory;
  logger: Logger;
  observer: RunObserver;
  /** What the built-in tools reach: the owner's conversations, for search_conversations. */
  toolServices: ToolServices;
  /** TOOL_TIMEOUT_MS. */
  toolTimeoutMs: number;
  /** TOOL_APPROVAL_TIMEOUT_MS: how long a call waits for the owner before it counts as denied. */
  approvalTimeoutMs: number;
  /** The roster, whom `ask_agent` may ask. */
  colleagues: readonly Colleague[];
  /** AGENT_MAX_DEPTH: a run this many asks deep is not offered `ask_agent`. */
  maxDepth: number;
  /** Runs another agent's answer for `ask_agent`, nested in the asking run; absent: no `ask_agent`. */
  consult?(parent: Run, input: Parameters<Consult>[0]): Promise<ConsultOutcome>;
  /** The tools of the MCP_SERVERS servers; absent: `mcp:` grants give nothing. */
  mcp?: McpToolSource;
};

/** An agent of the roster: turns one run into a streamed, stored answer. */
export class BaseAgent {
  constructor(
    readonly profile: AgentProfile,
    private readonly deps: AgentDeps,
  ) {}

  /**
   * Announces the run before its history is read and the model is called,
   * streams each delta to the room, stores the answer (partial text included
   * on failure or cancel) and only then sends the terminal event, so whoever
   * reacts to it reads the stored text. Reports the run once, at its end.
   */
  async respond(run: Run, loadHistory: () => Promise<ChatTurn[]>): Promise<void> {
    this.deps.observer.runStarted({ agentId: this.profile.id });
    const model = this.profile.model ?? (await this.deps.llm.defaultModel().catch(() => null));
    run.start(model ?? "unavailable");
    if (!model) {
      await this.finishWithError(run, "unavailable", {
        code: "upstream_unreachable",
        message: `The language model service (${this.deps.llm.label}) is not reachable.`,
        retryable: true,
      });
      return;
    }
    try {
      const history = await loadHistory();
      const grants = this.profile.tools ?? [];
      const [builtIn, mcp] = await Promise.all([
        toolsForRun({
          grants,
          conversationId: run.conversationId,
          services: this.deps.toolServices,
          askAgent: this.askAgentContext(run),
        }),
        mcpToolsForRun({ grants, source: this.deps.mcp }),
      ]);
      await this.deps.store.markRunStreamingById({ id: run.messageId, model });
      const system = [
        this.profile.systemPrompt,
        ...mcp.unavailable.map((server) => `The tools of ${server} are unavailable right now.`),
      ].join("\n\n");
      const result = run.signal.aborted
        ? cancelledBeforeStart()
        : await this.stream(run, { model, system, history, tools: [...builtIn, ...mcp.tools] });
      await this.finish(run, model, result);
    } catch (error) {
      await this.finishWithError(run, model, toRunError(error), error);
    }
  }

  private stream(
    run: Run,
    input: { model: string; system: string; history: ChatTurn[]; tools: ToolDefinition[] },
  ): Promise<StreamResult> {
    const { model, system, history, tools } = input;
    return this.deps.llm.stream({
      modelId: model,
      system,
      messages: history,
      maxOutputTokens: this.profile.maxOutputTokens,
      temperature: this.profile.temperature,
      reasoningEffort: this.profile.reasoningEffort,
      abortSignal: run.signal,
      onDelta: (delta) => run.delta(delta),
      onReasoning: (delta) => run.reasoning(delta),
      ...(tools.length > 0 && {
        tools,
        maxSteps: this.profile.maxSteps ?? DEFAULT_MAX_STEPS,
        toolTimeoutMs: this.deps.toolTimeoutMs,
        approveToolCall: (call, signal) =>
          run.awaitApproval(call.toolCallId, this.deps.approvalTimeoutMs, signal),
        onTool: (event) => run.tool(event),
      }),
      onStatus: (report) => run.status(report),
      onAttemptFailed: (failure) => this.deps.observer.upstreamFailed(failure),
    });
  }

  /** Whom this run may ask and how, or null when it may not ask (too deep, or nobody to run it). */
  private askAgentContext(run: Run): AskAgentContext | null {
    const { consult, maxDepth, colleagues } = this.deps;
    if (!consult || run.depth >= maxDepth) return null;
    const { id, name, description } = this.profile;
    return { self: { id, name, description }, roster: colleagues, consult: (input) => consult(run, input) };
  }

  private async finish(run: Run, model: string, result: StreamResult): Promise<void> {
    const timing = run.timing();
    const text = run.text;
    const streamed = run.streamedLength;
    if (result.finishReason === "cancelled" && run.abortReason === "shutdown") {
      await this.finishWithError(run, model, interruptedError);
      return;
    }
    const cancelled = result.finishReason === "cancelled";
    const createdAt = await this.store(run, {
      id: run.messageId,
      text,
      parts: run.parts,
      status: cancelled ? "cancelled" : "complete",
      finishReason: result.finishReason,
      usage: result.usage,
      ...timing,
    });
    run.complete({ text, finishReason: result.finishReason, usage: result.usage });
    run.message({ text, createdAt: createdAt.toISOString() });
    if (!cancelled)
      this.deps.history.record({ agentId: this.profile.id, length: streamed, streamMs: streamMs(timing) });
    this.report(
      reportOf(run, model, timing, {
        outcome: cancelled ? "cancelled" : "complete",
        finishReason: result.finishReason,
        usage: result.usage,
        simulated: result.simulated,
      }),
    );
  }

  private async finishWithError(run: Run, model: string, error: RunError, cause?: unknown): Promise<void> {
    const timing = run.timing();
    const status = error.code === "interrupted" ? "interrupted" : "error";
    await this.store(run, {
      id: run.messageId,
      text: run.text,
      parts: run.parts,
      status,
      error: { code: error.code, message: error.message },
      ...timing,
    });
    run.fail(error);
    this.report(
      reportOf(run, model, timing, { outcome: status, errorCode: error.code }),
      describeCause(error, cause),
    );
  }

  /** The run's one log line and its metrics. */
  private report(report: RunReport, error?: ReturnType<typeof describeCause>): void {
    this.deps.observer.runFinished(report);
    const level = report.outcome === "complete" || report.outcome === "cancelled" ? "info" : "warn";
    this.deps.logger[level]({ ...report, ...(error && { error }) }, "run finished");
  }

  private async store(run: Run, outcome: RunOutcome): Promise<Date> {
    try {
      const stored = await this.deps.store.finishRunById(outcome);
      return stored?.createdAt ?? new Date();
    } catch (error) {
      // The viewers still get their terminal event; the row stays as it was.
      this.deps.logger.error({ ...logFields(run), err: error }, "could not store the answer");
      return new Date();
    }
  }
}

function cancelledBeforeStart(): StreamResult {
  return {
    text: "",
    reasoning: "",
    finishReason: "cancelled",
    usage: {},
    firstTokenMs: null,
    totalMs: 0,
    simulated: false,
  };
}

function toRunError(error: unknown): RunError {
  if (error instanceof LlmError) {
    return { code: error.code, message: error.message, retryable: error.retryable };
  }
  return { code: "internal", message: "The answer failed because of an error on our side.", retryable: true };
}

/**
 * What a log line may say about a failure: provider errors carry the request
 * body (the user's conversation) and the response, which stay out of the logs.
 */
function describeCause(error: RunError, cause: unknown) {
  if (cause instanceof LlmError) return { code: cause.code, status: cause.status, message: cause.message };
  if (cause instanceof Error)
    return { code: error.code, name: cause.name, message: cause.message, stack: cause.stack };
  return { code: error.code };
}

function reportOf(
  run: Run,
  model: string,
  timing: { firstTokenMs: number | null; totalMs: number },
  outcome: Pick<RunReport, "outcome" | "finishReason" | "errorCode" | "usage" | "simulated">,
): RunReport {
  const tokens = outcome.usage?.outputTokens ?? run.tokenCount;
  const measured = { tokens, ttftMs: timing.firstTokenMs, durationMs: timing.totalMs };
  return {
    ...logFields(run),
    model,
    ...outcome,
    ...measured,
    chars: run.text.length,
    tokensPerSecond: tokensPerSecond(measured),
  };
}

function logFields(run: Run, model?: string) {
  return {
    conversationId: run.conversationId,
    messageId: run.messageId,
    agentId: run.agentId,
    model,
  };
}
