import type { OpenAICompatibleChatLanguageModel } from "@ai-sdk/openai-compatible";
import {
  convertOpenAICompatibleChatUsage,
  mapOpenAICompatibleFinishReason,
} from "@ai-sdk/openai-compatible/internal";
import { InvalidResponseDataError, type LanguageModelV4StreamPart } from "@ai-sdk/provider";
import {
  createJsonErrorResponseHandler,
  extractResponseHeaders,
  getErrorMessage,
  postJsonToApi,
  StreamingToolCallTracker,
} from "@ai-sdk/provider-utils";
import {
  asLanguageModelUsage,
  convertToLanguageModelPrompt,
  parseToolCall,
  prepareToolChoice,
  prepareTools,
  standardizePrompt,
} from "ai/internal";
import { createParser } from "eventsource-parser";
import { z } from "zod";
import type { ModelCall, ModelCallInput, ModelCallPart } from "./model-call";
import { eventStreamBody, readText, streamingFetch } from "./streaming-fetch";
import { createThinkSplitter } from "./think-tags";

export type ChatCompletionsConnection = {
  /** The chat-completions URL, e.g. http://litellm:4000/v1/chat/completions. */
  url: string;
  headers: Record<string, string>;
};

/** How OpenAI-compatible servers describe a failure, in an error response or mid-stream. */
const errorBody = z.object({
  error: z.object({
    message: z.string(),
    type: z.string().nullish(),
    param: z.any().nullish(),
    code: z.union([z.string(), z.number()]).nullish(),
  }),
});
const failedResponseHandler = createJsonErrorResponseHandler({
  errorSchema: errorBody,
  errorToMessage: (data) => data.error.message,
});

/** The part of a streamed chunk read here; anything else in it is ignored. */
type Chunk = {
  error?: { message?: unknown };
  usage?: Parameters<typeof convertOpenAICompatibleChatUsage>[0];
  choices?: Array<{
    finish_reason?: string | null;
    delta?: {
      content?: unknown;
      reasoning_content?: unknown;
      reasoning?: unknown;
      refusal?: unknown;
      tool_calls?: ToolCallDelta[] | null;
    } | null;
  }>;
};
type ToolCallDelta = {
  index?: number | null;
  id?: string | null;
  function?: { name?: string | null; arguments?: string | null } | null;
};

/**
 * Streams one model call from an OpenAI-compatible `/chat/completions`
 * endpoint with nothing between the socket and the caller but the
 * server-sent-event parser: the body is read as a Node stream
 * (`streamingFetch`), each chunk is parsed once and its deltas are told
 * synchronously, where the provider's doStream and streamLanguageModelCall
 * would pass it through a chain of web-stream transforms and a schema check
 * (about two thirds of the server's CPU per token under load). The request is
 * still the provider's own (`prepareRequest`), failures are its APICallErrors,
 * tool-call deltas go through its StreamingToolCallTracker and every call is
 * checked against its tool's schema by the AI SDK's parseToolCall, so what
 * the step loop is told matches `sdkModelCall` part for part.
 */
export function chatCompletionsCall(
  model: OpenAICompatibleChatLanguageModel,
  connection: ChatCompletionsConnection,
): ModelCall {
  return async (input, onPart) => {
    const { abortSignal } = input;
    const standardized = await standardizePrompt({
      instructions: input.instructions,
      messages: input.messages,
    });
    const prompt = await convertToLanguageModelPrompt({
      prompt: standardized,
      supportedUrls: await model.supportedUrls,
      download: undefined,
      abortSignal,
      provider: model.provider.split(".")[0],
    });
    const { body } = await model.prepareRequest({
      prompt,
      tools: await prepareTools({ tools: input.tools }),
      toolChoice: prepareToolChoice({ toolChoice: undefined }),
      maxOutputTokens: input.maxOutputTokens,
      temperature: input.temperature,
      reasoning: input.reasoning,
    });
    const { value: events } = await postJsonToApi({
      url: connection.url,
      headers: connection.headers,
      body: { ...body, stream: true, stream_options: { include_usage: true } },
      failedResponseHandler,
      successfulResponseHandler: async ({ response }) => ({
        value: eventStreamBody(response),
        responseHeaders: extractResponseHeaders(response),
      }),
      abortSignal,
      fetch: streamingFetch,
    });

    const tell = inOrder(onPart, abortSignal);
    const chunks = chunkReader(input, tell);
    const parser = createParser({ onEvent: (event) => chunks.read(event.data) });
    try {
      await readText(events, (text) => {
        if (!abortSignal.aborted) parser.feed(text);
      });
    } catch (error) {
      // An abort ends the read in flight; the caller knows why.
      if (abortSignal.aborted) return;
      throw error;
    }
    chunks.end();
    await tell.settled();
  };
}

/**
 * Tells parts in order: at once while nothing is pending, behind a pending
 * part otherwise (a tool call being checked against its schema, or a caller
 * that asked to be waited for). Nothing is told once the signal aborts.
 */
function inOrder(onPart: (part: ModelCallPart) => void | Promise<void>, signal: AbortSignal) {
  let pending: Promise<void> | null = null;
  const deliver = async (parts: ModelCallPart[] | Promise<ModelCallPart[]>) => {
    for (const part of await parts) if (!signal.aborted) await onPart(part);
  };
  const queue = (next: Promise<void>) => {
    const mine: Promise<void> = next.then(() => {
      if (pending === mine) pending = null;
    });
    pending = mine;
  };
  return {
    part(part: ModelCallPart): void {
      if (signal.aborted) return;
      if (pending) {
        queue(pending.then(() => deliver([part])));
        return;
      }
      const waiting = onPart(part);
      if (waiting) queue(waiting);
    },
    later(parts: Promise<ModelCallPart[]>): void {
      queue((pending ?? Promise.resolve()).then(() => deliver(parts)));
    },
    settled: async () => {
      while (pending) await pending;
    },
  };
}

/** Turns each streamed chunk into parts, as the provider's doStream and streamLanguageModelCall would. */
function chunkReader(input: ModelCallInput, tell: ReturnType<typeof inOrder>) {
  let rawFinishReason: string | undefined;
  let failed = false;
  let hasRefusal = false;
  let usage: Chunk["usage"];
  const think = createThinkSplitter({
    text: (text) => tell.part({ type: "text-delta", text }),
    reasoning: (text) => tell.part({ type: "reasoning-delta", text }),
  });
  const tracker = new StreamingToolCallTracker({
    enqueue: (part: LanguageModelV4StreamPart) => {
      if (part.type === "tool-input-start")
        tell.part({ type: "tool-input-start", id: part.id, toolName: part.toolName });
      else if (part.type === "tool-input-delta")
        tell.part({ type: "tool-input-delta", id: part.id, delta: part.delta });
      else if (part.type === "tool-call") tell.later(checkedCall(part, input));
    },
  });
  /** Arguments that arrive before the call's name wait for it, as the provider does. */
  const unnamed = new Map<number, { id: string | null; args: string }>();
  const named = new Set<number>();
  const toolCallDelta = (delta: ToolCallDelta) => {
    const index = delta.index;
    if (index == null || named.has(index)) {
      tracker.processDelta(delta);
      return;
    }
    const waiting = unnamed.get(index) ?? { id: null, args: "" };
    waiting.id ??= delta.id ?? null;
    waiting.args += delta.function?.arguments ?? "";
    const name = delta.function?.name;
    if (name == null) {
      unnamed.set(index, waiting);
      return;
    }
    unnamed.delete(index);
    named.add(index);
    tracker.processDelta({ index, id: waiting.id, function: { name, arguments: waiting.args } });
  };
  const fail = (error: unknown) => {
    failed = true;
    tell.part({ type: "error", error });
  };

  return {
    read(data: string): void {
      if (data === "[DONE]") return;
      let chunk: Chunk;
      try {
        chunk = JSON.parse(data) as Chunk;
      } catch (error) {
        fail(
          new InvalidResponseDataError({
            data,
            message: `Invalid JSON in the stream: ${getErrorMessage(error)}`,
          }),
        );
        return;
      }
      if (chunk === null || typeof chunk !== "object") {
        fail(new InvalidResponseDataError({ data, message: "A stream chunk is not an object" }));
        return;
      }
      if (chunk.error) {
        const message =
          typeof chunk.error.message === "string" ? chunk.error.message : JSON.stringify(chunk.error);
        fail(new Error(message));
        return;
      }
      if (chunk.usage) usage = chunk.usage;
      const choice = chunk.choices?.[0];
      if (!choice) return;
      if (choice.finish_reason) rawFinishReason = choice.finish_reason;
      const delta = choice.delta;
      if (!delta) return;
      const reasoning = delta.reasoning_content ?? delta.reasoning;
      if (typeof reasoning === "string" && reasoning) tell.part({ type: "reasoning-delta", text: reasoning });
      content(delta.content, think, tell);
      if (typeof delta.refusal === "string" && delta.refusal) {
        hasRefusal = true;
        think.text(delta.refusal);
      }
      if (Array.isArray(delta.tool_calls)) for (const call of delta.tool_calls) toolCallDelta(call);
    },
    end(): void {
      think.flush();
      for (const [index, waiting] of unnamed) {
        tracker.processDelta({ index, id: waiting.id, function: { arguments: waiting.args } });
      }
      tracker.flush();
      let finishReason: string = rawFinishReason
        ? mapOpenAICompatibleFinishReason(rawFinishReason, { hasRefusal })
        : "error";
      if (failed) finishReason = "error";
      else if (!rawFinishReason) {
        fail(
          new InvalidResponseDataError({
            data: undefined,
            message: "Response stream ended without a finish reason.",
          }),
        );
      }
      tell.part({
        type: "model-call-end",
        finishReason,
        usage: asLanguageModelUsage(convertOpenAICompatibleChatUsage(usage)),
      });
    },
  };
}

/** Content is a string, or (some servers) a list of text and thinking parts. */
function content(
  value: unknown,
  think: ReturnType<typeof createThinkSplitter>,
  tell: ReturnType<typeof inOrder>,
) {
  if (typeof value === "string") {
    if (value) think.text(value);
    return;
  }
  if (!Array.isArray(value)) return;
  for (const part of value as Array<{ type?: unknown; text?: unknown; thinking?: unknown }>) {
    if (part?.type === "text" && typeof part.text === "string" && part.text) think.text(part.text);
    else if (part?.type === "thinking" && Array.isArray(part.thinking)) {
      const text = (part.thinking as Array<{ type?: unknown; text?: unknown }>)
        .flatMap((chunk) => (chunk?.type === "text" && typeof chunk.text === "string" ? [chunk.text] : []))
        .join("");
      if (text) tell.part({ type: "reasoning-delta", text });
    }
  }
}

/** A finished call checked against its tool's schema: the call, then a tool-error if the schema refused it. */
async function checkedCall(
  part: Extract<LanguageModelV4StreamPart, { type: "tool-call" }>,
  input: ModelCallInput,
): Promise<ModelCallPart[]> {
  try {
    const call = await parseToolCall({
      toolCall: part,
      tools: input.tools,
      repairToolCall: undefined,
      instructions: input.instructions,
      messages: input.messages,
      abortSignal: input.abortSignal,
    });
    const told: ModelCallPart = {
      type: "tool-call",
      toolCallId: call.toolCallId,
      toolName: call.toolName,
      input: call.input,
      invalid: call.invalid,
    };
    if (!call.invalid) return [told];
    return [
      told,
      {
        type: "tool-error",
        toolCallId: call.toolCallId,
        toolName: call.toolName,
        input: call.input,
        error: getErrorMessage(call.error),
      },
    ];
  } catch (error) {
    return [{ type: "error", error }];
  }
}
