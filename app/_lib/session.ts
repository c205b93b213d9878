import { cookies } from "next/headers";
import { SESSION_COOKIE, verifySessionToken } from "@/lib/auth/session";
import { getServices } from "@/lib/services";

/** The guest identity of the request; server.ts sets the cookie before any page renders. */
export async function readUserId(): Promise<string | null> {
  const token = (await cookies()).get(SESSION_COOKIE)?.value;
  return verifySessionToken(token, getServices().sessionSecret);
}
