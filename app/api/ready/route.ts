import { route } from "@/lib/http/route";
import { getServices } from "@/lib/services";

export const dynamic = "force-dynamic";

export const GET = route(async () => {
  const services = getServices();
  const [database, llm] = await Promise.all([services.checkDatabase(), services.llm.health()]);
  const draining = !services.isAccepting();
  const ready = database && !draining;
  return Response.json(
    { status: ready ? "ready" : "not_ready", database: database ? "ok" : "unreachable", draining, llm },
    { status: ready ? 200 : 503 },
  );
});
