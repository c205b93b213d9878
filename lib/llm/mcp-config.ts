import { readFileSync } from "node:fs";
import { z } from "zod";

/** A server's name: it appears in grants (`mcp:<name>/<tool>`) and in qualified tool names. */
export const mcpServerNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, "server names are 1 to 64 letters, digits, - and _");

const stringMap = z.record(z.string(), z.string());

/** A server Switchboard starts itself and talks to over stdin/stdout. */
const stdioServerSchema = z.object({
  type: z.literal("stdio").optional(),
  command: z.string().trim().min(1, "command must not be empty"),
  args: z.array(z.string()).optional(),
  env: stringMap.optional(),
  /** Every call to one of its tools waits for the owner's approval. */
  requireApproval: z.boolean().optional(),
});

/** A server reached over Streamable HTTP (or SSE, with `type: "sse"`). */
const httpServerSchema = z.object({
  type: z.enum(["http", "sse"]).optional(),
  url: z
    .string()
    .trim()
    .refine((value) => URL.canParse(value) && /^https?:$/.test(new URL(value).protocol), {
      message: "url must start with http:// or https://",
    }),
  headers: stringMap.optional(),
  requireApproval: z.boolean().optional(),
});

export type McpStdioServer = z.infer<typeof stdioServerSchema>;
export type McpHttpServer = z.infer<typeof httpServerSchema>;
export type McpServerConfig = McpStdioServer | McpHttpServer;
export type McpServersConfig = Record<string, McpServerConfig>;

// Each entry is parsed with the schema its keys call for, so a mistake is
// reported precisely ("mcpServers.files.args") instead of as a failed union.
const mcpFileSchema = z
  .object({ mcpServers: z.record(z.string(), z.record(z.string(), z.unknown())) })
  .transform((file, ctx): McpServersConfig => {
    const servers: McpServersConfig = {};
    for (const [name, entry] of Object.entries(file.mcpServers)) {
      const badName = mcpServerNameSchema.safeParse(name).error?.issues[0];
      if (badName) {
        ctx.addIssue({ code: "custom", path: ["mcpServers", name], message: badName.message });
        continue;
      }
      if ("command" in entry && "url" in entry) {
        ctx.addIssue({
          code: "custom",
          path: ["mcpServers", name],
          message: "give a command or a url, not both",
        });
        continue;
      }
      if (!("command" in entry) && !("url" in entry)) {
        ctx.addIssue({ code: "custom", path: ["mcpServers", name], message: "needs a command or a url" });
        continue;
      }
      const result = ("url" in entry ? httpServerSchema : stdioServerSchema).safeParse(entry);
      if (result.success) servers[name] = result.data;
      else
        for (const issue of result.error.issues)
          ctx.addIssue({ code: "custom", path: ["mcpServers", name, ...issue.path], message: issue.message });
    }
    return servers;
  });

export class McpConfigError extends Error {
  override readonly name = "McpConfigError";
}

/** Parses the content of an MCP_SERVERS file; throws an McpConfigError naming the first problem. */
export function parseMcpConfig(raw: unknown, source = "MCP_SERVERS"): McpServersConfig {
  const result = mcpFileSchema.safeParse(raw);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue?.path.length ? ` at ${issue.path.map(String).join(".")}` : "";
  throw new McpConfigError(`${source}${where}: ${issue?.message ?? "invalid MCP server list"}`);
}

/** Reads MCP_SERVERS (JSON); no file configured means no servers. */
export function loadMcpConfig(file: string | undefined): McpServersConfig {
  if (!file) return {};
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new McpConfigError(`cannot read ${file}: ${(error as Error).message}`, { cause: error });
  }
  return parseMcpConfig(raw, file);
}

/** The configured values that must never be logged: a server's environment and header values. */
export function mcpSecretValues(config: McpServersConfig): string[] {
  return Object.values(config).flatMap((server) =>
    Object.values("command" in server ? (server.env ?? {}) : (server.headers ?? {})),
  );
}
