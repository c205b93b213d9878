import type { Readable } from "node:stream";
import { type CallToolResult, createMCPClient, type MCPClient, type MCPTransport } from "@ai-sdk/mcp";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { McpGrant, McpTool, McpToolSource } from "../agents/tools/mcp-grants";
import type { Logger } from "../logger";
import type { McpServerConfig, McpServersConfig } from "./mcp-config";
import type { ToolDefinition } from "./types";

export type McpServerStatus = "ok" | "unavailable";

const CONNECT_TIMEOUT_MS = 10_000;
const MAX_BACKOFF_MS = 60_000;
/** A stdio server's stderr reaches the log a line at a time, each cut at this length… */
const STDERR_LINE_MAX = 1_000;
/** …and at most this many lines a minute per server; the rest are counted in one line. */
const STDERR_LINES_PER_MINUTE = 60;
/** A connected server's tool list is read again by the first run that needs it after this long. */
export const TOOL_LIST_MAX_AGE_MS = 60_000;

type ServerState = {
  name: string;
  config: McpServerConfig;
  client: MCPClient | null;
  tools: McpTool[];
  /** When `tools` was read from the server (ms since the epoch). */
  listedAt: number;
  /** A reading of the tool list under way, shared by the runs that wait for it. */
  listing: Promise<void> | null;
  /** Failed starts and deaths since the last call that succeeded. */
  failures: number;
  /** No new start before this time (ms since the epoch). */
  retryAt: number;
  connecting: Promise<void> | null;
};

/** After a death the next run may restart at once; each further failure doubles the wait, up to a minute. */
const backoffMs = (failures: number) =>
  failures <= 1 ? 0 : Math.min(1_000 * 2 ** (failures - 2), MAX_BACKOFF_MS);

/**
 * The MCP servers of MCP_SERVERS: connected at start-up, their tools offered
 * as ToolDefinitions. A server that fails or dies is logged once as
 * unavailable and restarted, after a backoff, by the next run that needs it.
 */
export class McpManager implements McpToolSource {
  private readonly servers: Map<string, ServerState>;
  private closing = false;

  constructor(
    config: McpServersConfig,
    private readonly options: { logger: Logger; connectTimeoutMs?: number; now?: () => number },
  ) {
    this.servers = new Map(
      Object.entries(config).map(([name, server]) => [
        name,
        {
          name,
          config: server,
          client: null,
          tools: [],
          listedAt: 0,
          listing: null,
          failures: 0,
          retryAt: 0,
          connecting: null,
        },
      ]),
    );
  }

  /** Connects every server at once, each bounded by the connect timeout; never rejects. */
  async start(): Promise<void> {
    await Promise.all([...this.servers.values()].map((state) => this.connect(state)));
  }

  status(): Record<string, McpServerStatus> {
    return Object.fromEntries(
      [...this.servers.values()].map((state) => [state.name, state.client ? "ok" : "unavailable"]),
    );
  }

  /** The names of the tools a connected server offers; null while it is unavailable. */
  offeredTools(server: string): string[] | null {
    const state = this.servers.get(server);
    return state?.client ? state.tools.map((tool) => tool.definition.name) : null;
  }

  async toolsFor(grants: readonly McpGrant[]): Promise<{ tools: McpTool[]; unavailable: string[] }> {
    const wanted = [...new Set(grants.map((grant) => grant.server))].flatMap(
      (name) => this.servers.get(name) ?? [],
    );
    const now = this.now();
    await Promise.all(
      wanted.flatMap((state) => {
        if (this.closing) return [];
        if (!state.client) return state.connecting || now >= state.retryAt ? [this.connect(state)] : [];
        return now - state.listedAt >= TOOL_LIST_MAX_AGE_MS ? [this.relist(state, state.client)] : [];
      }),
    );
    return {
      tools: wanted.flatMap((state) => (state.client ? state.tools : [])),
      unavailable: wanted.filter((state) => !state.client).map((state) => state.name),
    };
  }

  async close(): Promise<void> {
    this.closing = true;
    const clients = [...this.servers.values()].flatMap((state) => {
      const client = state.client;
      state.client = null;
      return client ?? [];
    });
    await Promise.all(clients.map((client) => client.close().catch(() => {})));
  }

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }

  /** One start at a time per server; concurrent runs share it. */
  private connect(state: ServerState): Promise<void> {
    state.connecting ??= this.open(state).finally(() => {
      state.connecting = null;
    });
    return state.connecting;
  }

  private async open(state: ServerState): Promise<void> {
    const { logger } = this.options;
    const timeout = this.options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS;
    const transport = transportOf(state.config, stderrLog(state.name, logger));
    let client: MCPClient | undefined;
    try {
      client = await createMCPClient({
        transport,
        clientName: "switchboard",
        initializationOptions: { timeout },
        // Broken pipes and stray messages; a death is reported through the transport's close.
        onUncaughtError: (error) => logger.debug({ mcpServer: state.name, err: error }, "mcp client error"),
      });
      const tools = await this.readTools(state, client);
      if (this.closing) throw new Error("shutting down");
      const connected = client;
      state.client = connected;
      state.tools = tools;
      state.listedAt = this.now();
      if ("start" in transport) watchClose(transport, () => this.died(state, connected));
      logger.info(
        { mcpServer: state.name, tools: state.tools.map((tool) => tool.definition.name) },
        "mcp server ready",
      );
    } catch (error) {
      await (client ? client.close() : closeTransport(transport)).catch(() => {});
      this.failed(state, reasonOf(error));
    }
  }

  private async readTools(state: ServerState, client: MCPClient): Promise<McpTool[]> {
    const timeout = this.options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS;
    const listed = await client.listTools({ options: { timeout } });
    return listed.tools.map((tool) => ({ server: state.name, definition: this.definitionOf(state, tool) }));
  }

  /** Reads a connected server's tools again (they may change while it runs); one reading at a time. */
  private relist(state: ServerState, client: MCPClient): Promise<void> {
    state.listing ??= this.readTools(state, client)
      .then((tools) => {
        if (state.client !== client) return;
        state.tools = tools;
        state.listedAt = this.now();
        this.options.logger.debug(
          { mcpServer: state.name, tools: state.tools.map((tool) => tool.definition.name) },
          "mcp tools read again",
        );
      })
      .catch((error: unknown) => {
        // The server answers no more: the next run starts it again.
        if (state.client === client)
          this.died(state, client, `its tool list could not be read: ${reasonOf(error)}`);
      })
      .finally(() => {
        state.listing = null;
      });
    return state.listing;
  }

  private died(state: ServerState, client: MCPClient, reason = "the server stopped"): void {
    if (state.client !== client || this.closing) return;
    state.client = null;
    void client.close().catch(() => {});
    this.failed(state, reason);
  }

  private failed(state: ServerState, reason: string): void {
    state.failures += 1;
    state.retryAt = this.now() + backoffMs(state.failures);
    if (!this.closing) this.options.logger.warn({ mcpServer: state.name, reason }, "mcp server unavailable");
  }

  private definitionOf(
    state: ServerState,
    tool: { name: string; title?: string; description?: string; inputSchema: Record<string, unknown> },
  ): ToolDefinition {
    return {
      name: tool.name,
      description: tool.description ?? tool.title ?? `${tool.name}, a tool of the MCP server ${state.name}`,
      inputSchema: { jsonSchema: tool.inputSchema },
      ...(state.config.requireApproval && { requireApproval: true }),
      execute: async (input, { abortSignal }) => {
        const client = state.client;
        if (!client) throw new Error(`The MCP server "${state.name}" is unavailable right now`);
        let result: CallToolResult;
        try {
          result = await client.callTool({
            name: tool.name,
            arguments: (input ?? {}) as Record<string, unknown>,
            options: { signal: abortSignal },
          });
        } catch (error) {
          if (state.client !== client)
            throw new Error(`The MCP server "${state.name}" stopped during the call`, { cause: error });
          throw error;
        }
        state.failures = 0;
        return outputOf(result);
      },
    };
  }
}

function transportOf(
  config: McpServerConfig,
  onStderrLine: (line: string) => void,
): MCPTransport | { type: "http" | "sse"; url: string; headers?: Record<string, string> } {
  if ("command" in config) {
    // The MCP SDK's own stdio transport: it hands over the server's stderr, which then goes to the log.
    const transport = new StdioClientTransport({
      command: config.command,
      args: config.args,
      env: config.env,
      stderr: "pipe",
    });
    const stderr = transport.stderr as Readable | null;
    if (stderr) readLines(stderr, STDERR_LINE_MAX, onStderrLine);
    return transport as unknown as MCPTransport;
  }
  return { type: config.type ?? "http", url: config.url, headers: config.headers };
}

/** Calls `onLine` for each line of a stream, never holding more than `max` characters of one. */
export function readLines(stream: Readable, max: number, onLine: (line: string) => void): void {
  let line = "";
  stream.setEncoding("utf8");
  stream.on("data", (chunk: string) => {
    const pieces = chunk.split("\n");
    pieces.forEach((piece, index) => {
      line += piece.slice(0, Math.max(0, max - line.length));
      if (index === pieces.length - 1) return;
      onLine(line.replace(/\r$/, ""));
      line = "";
    });
  });
  stream.on("end", () => {
    if (line) onLine(line);
  });
}

/** A server's stderr lines as log lines, at most STDERR_LINES_PER_MINUTE a minute. */
function stderrLog(server: string, logger: Logger): (line: string) => void {
  let windowStart = 0;
  let lines = 0;
  let dropped = 0;
  return (line) => {
    const now = Date.now();
    if (now - windowStart >= 60_000) {
      if (dropped > 0) logger.warn({ mcpServer: server, dropped }, "mcp server stderr lines dropped");
      windowStart = now;
      lines = 0;
      dropped = 0;
    }
    lines += 1;
    if (lines > STDERR_LINES_PER_MINUTE) dropped += 1;
    else if (line.trim()) logger.info({ mcpServer: server, line }, "mcp server stderr");
  };
}

async function closeTransport(transport: MCPTransport | object): Promise<void> {
  if ("close" in transport && typeof transport.close === "function") await transport.close();
}

/** Calls `onClose` after the client's own close handler, which fails the calls in flight. */
function watchClose(transport: MCPTransport, onClose: () => void): void {
  const clientHandler = transport.onclose;
  transport.onclose = () => {
    clientHandler?.();
    onClose();
  };
}

/** Text content as text; anything else as the structured content or the content list. */
function outputOf(result: CallToolResult): unknown {
  if (!("content" in result) || !Array.isArray(result.content)) {
    return "toolResult" in result ? result.toolResult : (result.structuredContent ?? null);
  }
  const texts = result.content.flatMap((part) => (part.type === "text" ? [part.text] : []));
  const allText = texts.length === result.content.length;
  if (result.isError) throw new Error(texts.join("\n") || "The tool reported an error");
  if (allText && texts.length > 0) return texts.join("\n");
  return result.structuredContent ?? result.content;
}

/** A start failure's message, without the server's environment or headers (which never reach errors). */
function reasonOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split("\n")[0]?.slice(0, 300) || "unknown error";
}
