import type {
  LanguageModelV4,
  LanguageModelV4CallOptions,
  LanguageModelV4GenerateResult,
  LanguageModelV4Prompt,
  LanguageModelV4StreamPart,
  LanguageModelV4StreamResult,
  LanguageModelV4Usage,
} from "@ai-sdk/provider";
import { simulateReadableStream } from "ai";
import {
  agentAskedIn,
  composeDemoAnswer,
  composeDemoReasoning,
  composeDemoToolIntent,
  composeDemoToolReport,
  type DemoToolName,
  expressionIn,
  splitIntoWords,
} from "./demo-text";
import { sdkModelCall } from "./model-call";
import { streamAnswer } from "./stream";
import type { LlmClient, UpstreamHealth } from "./types";

export const DEMO_MODEL_ID = "demo";
export const DEMO_LABEL = "Demo model (offline)";

export type DemoPace = {
  /** Pause before the first word, like a model reading the prompt. */
  initialDelayMs: number;
  /** Pause between words, of the reasoning and of the answer. */
  wordDelayMs: number;
};

const REALISTIC_PACE: DemoPace = { initialDelayMs: 400, wordDelayMs: 32 };

function lastUserText(prompt: LanguageModelV4Prompt): string {
  for (let i = prompt.length - 1; i >= 0; i--) {
    const message = prompt[i];
    if (message?.role !== "user") continue;
    return message.content.map((part) => (part.type === "text" ? part.text : "")).join("");
  }
  return "";
}

function promptWords(prompt: LanguageModelV4Prompt): number {
  const text = prompt
    .map((message) =>
      typeof message.content === "string"
        ? message.content
        : message.content
            .map((part) => ("text" in part && typeof part.text === "string" ? part.text : ""))
            .join(" "),
    )
    .join(" ");
  return text.split(/\s+/).filter(Boolean).length;
}

function usageFor(
  prompt: LanguageModelV4Prompt,
  words: number,
  reasoningWords: number,
): LanguageModelV4Usage {
  const input = promptWords(prompt);
  return {
    inputTokens: { total: input, noCache: input, cacheRead: undefined, cacheWrite: undefined },
    outputTokens: { total: words + reasoningWords, text: words, reasoning: reasoningWords },
  };
}

type DemoToolCall = { toolCallId: string; toolName: DemoToolName; input: string };

type DemoScript = { reasoning: string; text: string; toolCall?: DemoToolCall };

/**
 * The tool the demo calls when it is offered one it knows: ask_agent when the
 * message asks another agent by name, else current_time, else calculator.
 */
function toolToCall(options: LanguageModelV4CallOptions, question: string): DemoToolCall | undefined {
  const tools = options.tools ?? [];
  const offered = new Set(tools.map((tool) => tool.name));
  const toolCallId = `call_demo_${Math.random().toString(36).slice(2, 10)}`;
  const askAgent = tools.find((tool) => tool.name === "ask_agent");
  const asked = askAgent && "description" in askAgent && agentAskedIn(question, askAgent.description ?? "");
  if (asked) {
    return { toolCallId, toolName: "ask_agent", input: JSON.stringify({ agentId: asked, question }) };
  }
  if (offered.has("current_time")) {
    return { toolCallId, toolName: "current_time", input: JSON.stringify({ timeZone: "UTC" }) };
  }
  if (offered.has("calculator")) {
    const expression = expressionIn(question) ?? "6 * 7";
    return { toolCallId, toolName: "calculator", input: JSON.stringify({ expression }) };
  }
  return undefined;
}

/** What the tool the demo called gave back, when the prompt ends with its result. */
function toolResultIn(prompt: LanguageModelV4Prompt) {
  const last = prompt.at(-1);
  if (last?.role !== "tool") return undefined;
  const result = last.content.find((part) => part.type === "tool-result");
  if (!result) return undefined;
  const { output } = result;
  const failed = output.type === "error-text" || output.type === "error-json";
  const value =
    output.type === "text" || output.type === "error-text"
      ? output.value
      : "value" in output
        ? JSON.stringify(output.value)
        : output.type;
  return { toolName: result.toolName, value, failed };
}

/**
 * What the demo does with a prompt: reason and call a tool when offered one it
 * knows; once the tool's result is in the prompt, report it and answer.
 */
function scriptFor(options: LanguageModelV4CallOptions): DemoScript {
  const { prompt } = options;
  const question = lastUserText(prompt);
  const result = toolResultIn(prompt);
  if (result) {
    const report = composeDemoToolReport(result.toolName, result.value, result.failed);
    return { reasoning: "", text: `${report}\n\n${composeDemoAnswer(question)}` };
  }
  const toolCall = toolToCall(options, question);
  const reasoning = composeDemoReasoning(question);
  if (!toolCall) return { reasoning, text: composeDemoAnswer(question) };
  return { reasoning: reasoning + composeDemoToolIntent(toolCall.toolName), text: "", toolCall };
}

function toolCallParts(call: DemoToolCall): LanguageModelV4StreamPart[] {
  const { toolCallId: id, toolName, input } = call;
  const size = Math.ceil(input.length / 4);
  const pieces = Array.from({ length: Math.ceil(input.length / size) }, (_, i) =>
    input.slice(i * size, (i + 1) * size),
  );
  return [
    { type: "tool-input-start", id, toolName },
    ...pieces.map((delta): LanguageModelV4StreamPart => ({ type: "tool-input-delta", id, delta })),
    { type: "tool-input-end", id },
    { type: "tool-call", toolCallId: id, toolName, input },
  ];
}

function streamPartsFor(options: LanguageModelV4CallOptions): LanguageModelV4StreamPart[] {
  const script = scriptFor(options);
  const thoughts = splitIntoWords(script.reasoning);
  const words = splitIntoWords(script.text);
  const parts: LanguageModelV4StreamPart[] = [
    { type: "stream-start", warnings: [] },
    { type: "response-metadata", modelId: DEMO_MODEL_ID, timestamp: new Date() },
  ];
  if (thoughts.length > 0) {
    parts.push(
      { type: "reasoning-start", id: "r0" },
      ...thoughts.map((delta): LanguageModelV4StreamPart => ({ type: "reasoning-delta", id: "r0", delta })),
      { type: "reasoning-end", id: "r0" },
    );
  }
  if (words.length > 0) {
    parts.push(
      { type: "text-start", id: "0" },
      ...words.map((delta): LanguageModelV4StreamPart => ({ type: "text-delta", id: "0", delta })),
      { type: "text-end", id: "0" },
    );
  }
  if (script.toolCall) parts.push(...toolCallParts(script.toolCall));
  parts.push({
    type: "finish",
    finishReason: script.toolCall
      ? { unified: "tool-calls", raw: "tool_calls" }
      : { unified: "stop", raw: "stop" },
    usage: usageFor(options.prompt, words.length, thoughts.length),
  });
  return parts;
}

/** An in-process AI SDK language model that answers from a script, without any network. */
export class DemoLanguageModel implements LanguageModelV4 {
  readonly specificationVersion = "v4";
  readonly provider = "switchboard.demo";
  readonly modelId = DEMO_MODEL_ID;
  readonly supportedUrls = {};

  constructor(private readonly pace: DemoPace = REALISTIC_PACE) {}

  async doGenerate(options: LanguageModelV4CallOptions): Promise<LanguageModelV4GenerateResult> {
    const { reasoning, text, toolCall } = scriptFor(options);
    return {
      content: [
        ...(reasoning ? [{ type: "reasoning" as const, text: reasoning }] : []),
        ...(text ? [{ type: "text" as const, text }] : []),
        ...(toolCall ? [{ type: "tool-call" as const, ...toolCall }] : []),
      ],
      finishReason: toolCall
        ? { unified: "tool-calls", raw: "tool_calls" }
        : { unified: "stop", raw: "stop" },
      usage: usageFor(options.prompt, splitIntoWords(text).length, splitIntoWords(reasoning).length),
      warnings: [],
    };
  }

  /**
   * Reasons for a moment (about 50 words), then answers, one word per part at
   * the set pace; offered current_time or calculator, it calls that tool first.
   */
  async doStream(options: LanguageModelV4CallOptions): Promise<LanguageModelV4StreamResult> {
    const source = simulateReadableStream({
      chunks: streamPartsFor(options),
      initialDelayInMs: this.pace.initialDelayMs,
      chunkDelayInMs: this.pace.wordDelayMs,
    });
    // The piped stream errors and stops pulling the moment the caller aborts.
    const stream = options.abortSignal
      ? source.pipeThrough(new TransformStream<LanguageModelV4StreamPart, LanguageModelV4StreamPart>(), {
          signal: options.abortSignal,
        })
      : source;
    return { stream };
  }
}

/** The client behind the offline demo: one model, "demo", answering any model id it is asked for. */
export function createDemoClient(options: { pace?: DemoPace } = {}): LlmClient {
  const call = sdkModelCall(new DemoLanguageModel(options.pace));
  const label = DEMO_LABEL;
  const health: UpstreamHealth = { ok: true, kind: "demo", label, detail: "answers offline from a script" };
  return {
    kind: "demo",
    label,
    defaultModel: async () => DEMO_MODEL_ID,
    listModels: async () => [{ id: DEMO_MODEL_ID, ownedBy: "switchboard" }],
    stream: (request) =>
      streamAnswer(request, {
        streaming: "true",
        firstTokenTimeoutMs: 60_000,
        chunkTimeoutMs: 60_000,
        maxRetries: 0,
        retryBaseDelayMs: 0,
        retryMaxDelayMs: 0,
        maxRetryAfterMs: 0,
        simulatedWordDelayMs: 0,
        upstream: "the demo model",
        modelCall: () => call,
        nonStreamingModels: new Set(),
        toollessModels: new Set(),
      }),
    health: async () => health,
    lastKnownHealth: () => health,
  };
}
