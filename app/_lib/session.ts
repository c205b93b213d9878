import { headers } from "next/headers";
import { identify } from "@/lib/auth/identity";
import { getServices } from "@/lib/services";

/** Who is asking; server.ts sets the guest cookie (or checks the proxy's header) before any page renders. */
export async function readUserId(): Promise<string | null> {
  return identify(await headers(), getServices().identity);
}
