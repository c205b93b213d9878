import { route } from "@/lib/http/route";
import { getServices } from "@/lib/services";

export const dynamic = "force-dynamic";

export const GET = route(async () => Response.json({ agents: getServices().chat.listAgents() }));
