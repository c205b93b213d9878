import { route } from "@/lib/http/route";
import { getServices } from "@/lib/services";

export const dynamic = "force-dynamic";

/**
 * Ready while the database answers and the process is not draining. The LLM
 * upstream, Redis and the MCP servers are reported but never make it unready: every replica
 * shares them, so failing here would only take them all out of service.
 */
export const GET = route(async () => {
  const services = getServices();
  const database = await services.checkDatabase();
  const draining = !services.isAccepting();
  const ready = database && !draining;
  const redis = services.redisReady();
  return Response.json(
    {
      status: ready ? "ready" : "not_ready",
      database: database ? "ok" : "unreachable",
      draining,
      llm: services.llm.lastKnownHealth(),
      redis: redis === undefined ? "unused" : redis ? "ok" : "unreachable",
      mcp: services.mcpStatus(),
    },
    { status: ready ? 200 : 503, headers: { "cache-control": "no-store" } },
  );
});
