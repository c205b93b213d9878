import { requireUserId, route } from "@/lib/http/route";

export const dynamic = "force-dynamic";

// The cookie itself is set by the server before Next handles any request.
export const GET = route(async (request: Request) => Response.json({ userId: requireUserId(request) }));
