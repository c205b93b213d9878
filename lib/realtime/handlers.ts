import type { z } from "zod";
import type { ChatService } from "../chat/types";
import { toAppError } from "../errors";
import type { Logger } from "../logger";
import {
  type Ack,
  approveToolCallSchema,
  cancelProcessingSchema,
  editMessageSchema,
  joinConversationSchema,
  leaveConversationSchema,
  regenerateSchema,
  removeMessageSchema,
  roomForConversation,
  type SendMessageResult,
  sendMessageSchema,
  switchBranchSchema,
} from "../protocol/events";
import type { RealtimeSocket } from "./types";

type AckFn = (response: Ack<object>) => void;

const refusal = (message: string) => ({ ok: false as const, error: { code: "bad_request:socket", message } });

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
  return async (...args: unknown[]) => {
    // Socket.IO puts the acknowledgement last, whatever came before it.
    const last = args[args.length - 1];
    const reply: AckFn = typeof last === "function" ? (last as AckFn) : () => {};
    if (typeof last === "function" && args.length !== 2) {
      reply(refusal("Send one payload and an acknowledgement."));
      return;
    }
    const parsed = schema.safeParse(args[0]);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue?.path.length ? `${issue.path.join(".")}: ` : "";
      reply(refusal(`${where}${issue?.message ?? "invalid"}`));
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

const HANDLED = new Set([
  "join_conversation",
  "leave_conversation",
  "send_message",
  "cancel_processing",
  "remove_message",
  "approve_tool_call",
  "edit_message",
  "regenerate",
  "switch_branch",
]);

export function registerHandlers(
  socket: RealtimeSocket,
  deps: { chat: ChatService; logger: Logger; takeEvent(socketId: string): Promise<void> },
): void {
  const { chat, logger } = deps;
  const userId = socket.data.userId;

  // A connection's events have a budget: past it a call is answered `rate_limited` and not run.
  socket.use((packet, next) => {
    deps.takeEvent(socket.id).then(
      () => next(),
      (error: unknown) => {
        const ack = packet[packet.length - 1];
        if (typeof ack === "function") (ack as AckFn)({ ok: false, error: toAppError(error).toJSON() });
      },
    );
  });

  // Every call gets an answer, also one this server does not handle.
  socket.onAny((event: unknown, ...args: unknown[]) => {
    const ack = args[args.length - 1];
    if (HANDLED.has(String(event)) || typeof ack !== "function") return;
    (ack as AckFn)(refusal(`This server does not handle ${JSON.stringify(String(event).slice(0, 64))}.`));
  });

  socket.on(
    "join_conversation",
    handle(logger, "join_conversation", joinConversationSchema, (payload) =>
      chat.openConversation({
        userId,
        target: payload,
        subscribe: (conversationId) => {
          // Recorded in socket.data, which a recovered session keeps, so recovery can check the link again.
          if ("shareId" in payload) {
            socket.data.shares = { ...socket.data.shares, [conversationId]: payload.shareId };
          }
          return socket.join(roomForConversation(conversationId));
        },
        unsubscribe: (conversationId) => socket.leave(roomForConversation(conversationId)),
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

  /** The sender of a message (new, edited or regenerated) follows its conversation, including one it just created. */
  const followed = async (sent: Promise<SendMessageResult>) => {
    const result = await sent;
    await socket.join(roomForConversation(result.conversationId));
    return result;
  };

  socket.on(
    "send_message",
    handle(logger, "send_message", sendMessageSchema, (payload) =>
      followed(chat.sendMessage({ userId, ...payload })),
    ),
  );

  socket.on(
    "cancel_processing",
    handle(logger, "cancel_processing", cancelProcessingSchema, (payload) =>
      chat.cancel({ userId, ...payload }),
    ),
  );

  socket.on(
    "remove_message",
    handle(logger, "remove_message", removeMessageSchema, (payload) =>
      chat.removeMessage({ userId, ...payload }),
    ),
  );

  socket.on(
    "approve_tool_call",
    handle(logger, "approve_tool_call", approveToolCallSchema, async (payload) => {
      await chat.approveToolCall({ userId, ...payload });
      return {};
    }),
  );

  socket.on(
    "edit_message",
    handle(logger, "edit_message", editMessageSchema, (payload) =>
      followed(chat.editMessage({ userId, ...payload })),
    ),
  );

  socket.on(
    "regenerate",
    handle(logger, "regenerate", regenerateSchema, (payload) =>
      followed(chat.regenerate({ userId, ...payload })),
    ),
  );

  socket.on(
    "switch_branch",
    handle(logger, "switch_branch", switchBranchSchema, (payload) =>
      chat.switchBranch({ userId, ...payload }),
    ),
  );
}
