import type { z } from "zod";
import type { ChatService } from "../chat/types";
import { toAppError } from "../errors";
import type { Logger } from "../logger";
import {
  type Ack,
  cancelProcessingSchema,
  joinConversationSchema,
  leaveConversationSchema,
  roomForConversation,
  sendMessageSchema,
} from "../protocol/events";
import type { RealtimeSocket } from "./types";

type AckFn = (response: Ack<object>) => void;

/**
 * Wraps a handler so its payload is validated, its result or error always
 * answers the acknowledgement, and nothing it throws escapes.
 */
function handle<S extends z.ZodType, R extends object>(
  logger: Logger,
  event: string,
  schema: S,
  run: (payload: z.infer<S>) => Promise<R>,
) {
  return async (payload: unknown, ack: unknown) => {
    const reply: AckFn = typeof ack === "function" ? (ack as AckFn) : () => {};
    const parsed = schema.safeParse(payload);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue?.path.length ? `${issue.path.join(".")}: ` : "";
      reply({
        ok: false,
        error: { code: "bad_request:socket", message: `${where}${issue?.message ?? "invalid"}` },
      });
      return;
    }
    try {
      reply({ ok: true, ...(await run(parsed.data)) });
    } catch (error) {
      const appError = toAppError(error, "internal:socket");
      if (appError.type === "internal") logger.error({ err: error, event }, "socket handler failed");
      reply({ ok: false, error: appError.toJSON() });
    }
  };
}

export function registerHandlers(socket: RealtimeSocket, deps: { chat: ChatService; logger: Logger }): void {
  const { chat, logger } = deps;
  const userId = socket.data.userId;

  socket.on(
    "join_conversation",
    handle(logger, "join_conversation", joinConversationSchema, (payload) =>
      chat.openConversation({
        userId,
        target: payload,
        subscribe: (conversationId) => socket.join(roomForConversation(conversationId)),
      }),
    ),
  );

  socket.on(
    "leave_conversation",
    handle(logger, "leave_conversation", leaveConversationSchema, async ({ conversationId }) => {
      await socket.leave(roomForConversation(conversationId));
      return {};
    }),
  );

  socket.on(
    "send_message",
    handle(logger, "send_message", sendMessageSchema, async (payload) => {
      const result = await chat.sendMessage({ userId, ...payload });
      // The sender follows its conversation, including one this message just created.
      await socket.join(roomForConversation(result.conversationId));
      return result;
    }),
  );

  socket.on(
    "cancel_processing",
    handle(logger, "cancel_processing", cancelProcessingSchema, (payload) =>
      chat.cancel({ userId, ...payload }),
    ),
  );
}
