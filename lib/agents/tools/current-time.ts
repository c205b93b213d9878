import { z } from "zod";
import type { ToolDefinition } from "../../llm/types";

export const currentTimeInputSchema = z.object({
  timeZone: z
    .string()
    .trim()
    .min(1)
    .max(64)
    .optional()
    .describe('An IANA time zone such as "Europe/Paris" or "America/New_York"; UTC when absent'),
});

export type CurrentTime = { timeZone: string; iso: string; local: string };

/** The time now in a zone, as an ISO instant and as people there would read it. */
export function currentTime(input: { timeZone?: string }, now = new Date()): CurrentTime {
  const timeZone = input.timeZone ?? "UTC";
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat("en-US", { timeZone, dateStyle: "full", timeStyle: "long" });
  } catch (error) {
    throw new Error(`unknown time zone "${timeZone}": use an IANA name such as Europe/Paris or UTC`, {
      cause: error,
    });
  }
  return { timeZone: format.resolvedOptions().timeZone, iso: now.toISOString(), local: format.format(now) };
}

export function createCurrentTimeTool(now: () => Date = () => new Date()): ToolDefinition {
  return {
    name: "current_time",
    description:
      "Tells the current date and time, in UTC or in a given IANA time zone. Use it whenever the answer " +
      "depends on today's date or the time of day.",
    inputSchema: currentTimeInputSchema,
    async execute(input) {
      return currentTime(currentTimeInputSchema.parse(input), now());
    },
  };
}
