import { AppError } from "@/lib/errors";
import { route } from "@/lib/http/route";
import { getServices } from "@/lib/services";

export const dynamic = "force-dynamic";

export const GET = route(async () => {
  const { llm } = getServices();
  try {
    const [models, defaultModel] = await Promise.all([
      llm.listModels(),
      llm.defaultModel().catch(() => null),
    ]);
    return Response.json({ upstream: { kind: llm.kind, label: llm.label }, defaultModel, models });
  } catch (error) {
    throw new AppError("upstream:model", `The model list is not available from ${llm.label}.`, {
      cause: error,
    });
  }
});
