import type { IncomingHttpHeaders } from "node:http";

/**
 * The address a request came from, for limits per address. With `trustedHops`
 * proxies in front (an Ingress, a load balancer), each appends the address it
 * saw to X-Forwarded-For, so the client is that many entries from the end;
 * anything further left was written by the client and proves nothing.
 */
export function clientAddress(
  input: { headers: IncomingHttpHeaders; remoteAddress: string | undefined },
  trustedHops: number,
): string {
  const direct = normalise(input.remoteAddress ?? "unknown");
  if (trustedHops === 0) return direct;
  const header = input.headers["x-forwarded-for"];
  const chain = (Array.isArray(header) ? header.join(",") : (header ?? ""))
    .split(",")
    .map((entry) => entry.trim())
    .filter(Boolean);
  const entry = chain[chain.length - trustedHops] ?? chain[0];
  return entry ? normalise(entry).slice(0, 64) : direct;
}

/** An IPv4 client reached over an IPv6 socket is still that IPv4 address. */
function normalise(address: string): string {
  return address.startsWith("::ffff:") ? address.slice(7) : address;
}
