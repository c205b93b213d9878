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
import { composeDemoAnswer, composeDemoReasoning, splitIntoWords } from "./demo-text";
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

/** The reasoning and the answer the demo gives to a prompt. */
function scriptFor(prompt: LanguageModelV4Prompt) {
  const question = lastUserText(prompt);
  return { reasoning: composeDemoReasoning(question), text: composeDemoAnswer(question) };
}

function streamPartsFor(prompt: LanguageModelV4Prompt): LanguageModelV4StreamPart[] {
  const script = scriptFor(prompt);
  const thoughts = splitIntoWords(script.reasoning);
  const words = splitIntoWords(script.text);
  return [
    { type: "stream-start", warnings: [] },
    { type: "response-metadata", modelId: DEMO_MODEL_ID, timestamp: new Date() },
    { type: "reasoning-start", id: "r0" },
    ...thoughts.map((delta): LanguageModelV4StreamPart => ({ type: "reasoning-delta", id: "r0", delta })),
    { type: "reasoning-end", id: "r0" },
    { type: "text-start", id: "0" },
    ...words.map((delta): LanguageModelV4StreamPart => ({ type: "text-delta", id: "0", delta })),
    { type: "text-end", id: "0" },
    {
      type: "finish",
      finishReason: { unified: "stop", raw: "stop" },
      usage: usageFor(prompt, words.length, thoughts.length),
    },
  ];
}

/** An in-process AI SDK language model that answers from a script, without any network. */
export class DemoLanguageModel implements LanguageModelV4 {
  readonly specificationVersion = "v4";
  readonly provider = "switchboard.demo";
  readonly modelId = DEMO_MODEL_ID;
  readonly supportedUrls = {};

  constructor(private readonly pace: DemoPace = REALISTIC_PACE) {}

  async doGenerate(options: LanguageModelV4CallOptions): Promise<LanguageModelV4GenerateResult> {
    const { reasoning, text } = scriptFor(options.prompt);
    return {
      content: [
        { type: "reasoning", text: reasoning },
        { type: "text", text },
      ],
      finishReason: { unified: "stop", raw: "stop" },
      usage: usageFor(options.prompt, splitIntoWords(text).length, splitIntoWords(reasoning).length),
      warnings: [],
    };
  }

  /** Reasons for a moment (about 50 words), then answers, one word per part at the set pace. */
  async doStream(options: LanguageModelV4CallOptions): Promise<LanguageModelV4StreamResult> {
    const source = simulateReadableStream({
      chunks: streamPartsFor(options.prompt),
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
  const model = new DemoLanguageModel(options.pace);
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
        languageModel: () => model,
        nonStreamingModels: new Set(),
      }),
    health: async () => health,
    lastKnownHealth: () => health,
  };
}
