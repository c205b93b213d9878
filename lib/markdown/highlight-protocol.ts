import type { createCodePlugin } from "@streamdown/code";
import type { HighlightResult } from "streamdown";

type CodeHighlightOptions = Parameters<ReturnType<typeof createCodePlugin>["highlight"]>[0];

export type HighlightRequest = { id: number } & Pick<
  CodeHighlightOptions,
  "code" | "language" | "themes" | "isIncomplete"
>;
export type HighlightResponse = { id: number; result: HighlightResult | null };
