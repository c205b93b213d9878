import { randomBytes } from "node:crypto";
import { hostname } from "node:os";

/**
 * This process's name among the replicas: NODE_ID when set (e.g. the pod
 * name), else host, pid and a random suffix, so two processes never share one.
 */
export function createNodeId(configured?: string): string {
  return configured ?? `${hostname()}-${process.pid}-${randomBytes(3).toString("hex")}`;
}
