import { z } from "zod";
import type { RunManager } from "../agents/run-manager";
import type { RunDirectory } from "../chat/types";
import type { Logger } from "../logger";
import {
  type ApproveToolCallPayload,
  approveToolCallSchema,
  type InProgressRun,
  inProgressRunSchema,
  type RunQuery,
  type RunWithdrawal,
} from "../protocol";
import type { RealtimeServer } from "./types";

/** How long a question to the other replicas may take before the answer goes out without them. */
const REPLICA_TIMEOUT_MS = 2_000;

type LocalRuns = Pick<RunManager, "inProgress" | "cancel" | "withdraw" | "approve">;

const runQuerySchema = z.object({
  conversationId: z.string().min(1),
  messageId: z.string().min(1).optional(),
});
const inProgressListSchema = z.array(inProgressRunSchema);
const cancelledListSchema = z.array(z.string());
const answeredListSchema = z.array(z.literal(true));
const withdrawalSchema = z.object({
  conversationId: z.string().min(1),
  messageIds: z.array(z.string().min(1)).min(1).max(64),
});

/** The runs of this process only: all there is on a single node. */
export function localRunDirectory(runs: LocalRuns): RunDirectory {
  return {
    inProgress: async (conversationId) => runs.inProgress(conversationId),
    cancel: async (conversationId, messageId) => runs.cancel(conversationId, messageId),
    withdraw: async (conversationId, messageIds) => runs.withdraw(conversationId, messageIds),
    approve: async (answer) => runs.approve(answer),
  };
}

/**
 * The runs of every replica sharing the Socket.IO adapter: answers the other
 * replicas' questions about the runs executing here, and asks them about
 * theirs through `serverSideEmit` with acknowledgements. Every replica answers
 * at once (possibly with nothing), so a question waits for one round trip.
 */
export function clusterRunDirectory(
  io: RealtimeServer,
  runs: LocalRuns,
  options: {
    logger: Logger;
    isConnected(): boolean;
    timeoutMs?: number;
    /**
     * Whether an answer of the conversation is queued or streaming on another
     * replica (the database knows each run's node). Without one, nobody else
     * is asked: a run that starts later reaches the room on its own.
     */
    runsElsewhere?(conversationId: string): Promise<boolean>;
  },
): RunDirectory {
  const timeoutMs = options.timeoutMs ?? REPLICA_TIMEOUT_MS;
  io.on("runs_in_progress", (query, ack) => {
    const parsed = runQuerySchema.safeParse(query);
    ack(parsed.success ? runs.inProgress(parsed.data.conversationId) : []);
  });
  io.on("runs_cancel", (query, ack) => {
    const parsed = runQuerySchema.safeParse(query);
    ack(parsed.success ? runs.cancel(parsed.data.conversationId, parsed.data.messageId) : []);
  });
  io.on("runs_withdraw", (query, ack) => {
    const parsed = withdrawalSchema.safeParse(query);
    ack(parsed.success ? runs.withdraw(parsed.data.conversationId, parsed.data.messageIds) : []);
  });
  io.on("runs_approve", (query, ack) => {
    const parsed = approveToolCallSchema.safeParse(query);
    ack(parsed.success && runs.approve(parsed.data) ? [true] : []);
  });

  function ask<T>(
    event: "runs_in_progress" | "runs_cancel" | "runs_withdraw" | "runs_approve",
    query: RunQuery | RunWithdrawal | ApproveToolCallPayload,
    schema: z.ZodType<T[]>,
  ): Promise<T[]> {
    // Without Redis no other replica can hear the question; waiting would only delay the answer.
    if (!options.isConnected()) return Promise.resolve([]);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        options.logger.warn({ event, timeoutMs }, "the other replicas did not answer in time");
        resolve([]);
      }, timeoutMs);
      io.serverSideEmit(
        event,
        query as RunQuery & RunWithdrawal & ApproveToolCallPayload,
        (error: Error | null, responses: unknown[]) => {
          clearTimeout(timer);
          if (error) options.logger.warn({ event, err: error.message }, "a replica did not answer");
          resolve(
            responses.flatMap((response) => {
              const parsed = schema.safeParse(response);
              return parsed.success ? parsed.data : [];
            }),
          );
        },
      );
    });
  }

  /** Whether the other replicas could have something to say about the conversation; in doubt, yes. */
  const worthAsking = (conversationId: string): Promise<boolean> =>
    options.runsElsewhere ? options.runsElsewhere(conversationId).catch(() => true) : Promise.resolve(true);

  return {
    async inProgress(conversationId) {
      const local = runs.inProgress(conversationId);
      if (!(await worthAsking(conversationId))) return local;
      const remote = await ask("runs_in_progress", { conversationId }, inProgressListSchema);
      return latestPerRun([...local, ...remote]);
    },
    async cancel(conversationId, messageId) {
      const local = runs.cancel(conversationId, messageId);
      if (!(await worthAsking(conversationId))) return local;
      const remote = await ask("runs_cancel", { conversationId, messageId }, cancelledListSchema);
      return [...new Set([...local, ...remote])];
    },
    async withdraw(conversationId, messageIds) {
      // The runs of one message wait on the replica that took it: here, or on one other.
      const local = runs.withdraw(conversationId, messageIds);
      if (local.length > 0 || !(await worthAsking(conversationId))) return local;
      return ask("runs_withdraw", { conversationId, messageIds }, cancelledListSchema);
    },
    async approve(answer) {
      // The call waits on the replica running its answer: here, or on one other.
      if (runs.approve(answer)) return true;
      if (!(await worthAsking(answer.conversationId))) return false;
      return (await ask("runs_approve", answer, answeredListSchema)).length > 0;
    },
  };
}

function latestPerRun(runs: InProgressRun[]): InProgressRun[] {
  const byId = new Map<string, InProgressRun>();
  for (const run of runs) {
    const seen = byId.get(run.messageId);
    if (!seen || seen.seq < run.seq) byId.set(run.messageId, run);
  }
  return [...byId.values()];
}
