import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { AgentProcessingCompleteEvent } from "@/lib/protocol";
import type { ToolChange } from "@/lib/protocol/parts";
import type { FakeGateway } from "../fixtures/fake-gateway";
import { startHttpMcpServer } from "../fixtures/mcp-server";
import {
  connect,
  connected,
  expectOk,
  fetchConversation,
  newSession,
  type ReceivedEvent,
  recordEvents,
  request,
  type TestSocket,
} from "../helpers/client";
import { type GatewayServer, startServerWithGateway, writeAgentsFile } from "../helpers/gateway-server";
import { type ServerProcess, startServerProcess } from "../helpers/server-process";

const fixture = new URL("../fixtures/mcp-server.ts", import.meta.url).pathname;

function writeMcpFile(content: unknown): string {
  const file = join(mkdtempSync(join(tmpdir(), "mcp-")), "mcp.json");
  writeFileSync(file, typeof content === "string" ? content : JSON.stringify(content));
  return file;
}

const WEB_TOKEN = "web-token-never-logged";

let gateway: FakeGateway;
let server: ServerProcess;
let running: GatewayServer;
let web: Awaited<ReturnType<typeof startHttpMcpServer>>;
const sockets: TestSocket[] = [];

beforeAll(async () => {
  web = await startHttpMcpServer(WEB_TOKEN);
  const mcpFile = writeMcpFile({
    mcpServers: {
      test: {
        command: process.execPath,
        args: ["--import", "tsx", fixture],
        env: { FIXTURE_TOKEN: "s3cret-value-never-logged" },
      },
      ghost: { command: "switchboard-no-such-mcp-server" },
      web: { url: web.url, headers: { authorization: `Bearer ${WEB_TOKEN}` } },
      // The same server again, every call of which waits for the owner's approval.
      guarded: {
        url: web.url,
        headers: { authorization: `Bearer ${WEB_TOKEN}` },
        requireApproval: true,
      },
    },
  });
  running = await startServerWithGateway({
    agents: [
      { id: "mirror", name: "Mirror", systemPrompt: "Reverse.", tools: ["mcp:test"], maxSteps: 3 },
      { id: "haunted", name: "Haunted", systemPrompt: "Try.", tools: ["calculator", "mcp:ghost"] },
      { id: "webber", name: "Webber", systemPrompt: "Reverse.", tools: ["mcp:web/reverse_text"] },
      { id: "guard", name: "Guard", systemPrompt: "Reverse.", tools: ["mcp:guarded/reverse_text"] },
    ],
    env: { MCP_SERVERS: mcpFile, LLM_CHUNK_TIMEOUT_MS: "5000" },
  });
  ({ gateway, server } = running);
}, 60_000);
afterAll(async () => {
  await running?.stop();
  await web?.close();
});
afterEach(() => {
  for (const socket of sockets.splice(0)) socket.disconnect();
  gateway.reset();
});

const toolEvents = (events: ReceivedEvent[]) =>
  events.filter((e) => e.name === "agent_processing_tool").map((e) => e.payload as unknown as ToolChange);

async function send(agentId: string, text: string) {
  const { cookie } = await newSession(server.url);
  const socket = connect(server.url, cookie);
  sockets.push(socket);
  await connected(socket);
  const events = recordEvents(socket);
  const ack = expectOk(
    await request(socket, "send_message", {
      text,
      agentIds: [agentId],
      clientMessageId: `m-${Math.random().toString(36).slice(2)}`,
    }),
  );
  return {
    cookie,
    socket,
    events,
    conversationId: ack.conversationId,
    messageId: ack.runs[0]?.messageId ?? "",
  };
}

async function ask(agentId: string, text: string) {
  const { events, messageId } = await send(agentId, text);
  const terminal = (await events.terminalOf(messageId)) as AgentProcessingCompleteEvent;
  return { terminal, tools: toolEvents(events.forMessage(messageId)) };
}

const logLines = (message: string) =>
  server.logs.filter((entry) => typeof entry === "object" && entry.msg === message) as Array<
    Record<string, unknown>
  >;

describe("MCP tools through the real server", () => {
  it("runs a stdio server's tool: input, the server's real output, sent back upstream, answered", async () => {
    gateway.enqueue(
      { toolCalls: [{ id: "call_rev", name: "reverse_text", arguments: '{"text":"switchboard"}' }] },
      { tokens: ["It", " reads", " draobhctiws."] },
    );
    const { terminal, tools } = await ask("mirror", "Reverse switchboard");
    expect(terminal.finishReason).toBe("stop");
    expect(terminal.text).toBe("It reads draobhctiws.");
    const states = tools.map((e) => e.state);
    expect(states.at(-2)).toBe("input-available");
    expect(states.at(-1)).toBe("output-available");
    expect(tools.at(-2)?.input).toEqual({ text: "switchboard" });
    expect(tools.at(-1)?.output).toBe("draobhctiws");

    const offered = (gateway.requests[0]?.body.tools ?? []) as Array<{ function: { name: string } }>;
    expect(offered.map((t) => t.function.name).sort()).toEqual(["add_tool", "crash", "reverse_text", "wait"]);
    const result = gateway.requests[1]?.messages.find((m) => m.role === "tool");
    expect(result).toMatchObject({ tool_call_id: "call_rev" });
    expect(JSON.stringify(result?.content)).toContain("draobhctiws");
  });

  it("reports each server on /api/ready without failing readiness", async () => {
    const response = await fetch(`${server.url}/api/ready`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { mcp: Record<string, string> };
    expect(body.mcp).toEqual({ test: "ok", ghost: "unavailable", web: "ok", guarded: "ok" });
  });

  it("lists each agent's tools by their grants on /api/agents", async () => {
    const { agents } = (await (await fetch(`${server.url}/api/agents`)).json()) as {
      agents: Array<{ id: string; tools: string[] }>;
    };
    expect(agents.map(({ id, tools }) => ({ id, tools }))).toEqual([
      { id: "mirror", tools: ["mcp:test"] },
      { id: "haunted", tools: ["calculator", "mcp:ghost"] },
      { id: "webber", tools: ["mcp:web/reverse_text"] },
      { id: "guard", tools: ["mcp:guarded/reverse_text"] },
    ]);
  });

  it("runs an HTTP server's tool, sending the configured headers, and offers only the granted tool", async () => {
    gateway.enqueue(
      { toolCalls: [{ id: "call_web", name: "reverse_text", arguments: '{"text":"http"}' }] },
      { tokens: ["ptth"] },
    );
    const { terminal, tools } = await ask("webber", "Reverse http");
    expect(terminal.finishReason).toBe("stop");
    expect(tools.at(-1)).toMatchObject({ state: "output-available", output: "ptth" });
    const offered = (gateway.requests[0]?.body.tools ?? []) as Array<{ function: { name: string } }>;
    expect(offered.map((t) => t.function.name)).toEqual(["reverse_text"]);
    expect(web.requests.length).toBeGreaterThan(0);
    expect(web.requests.every((r) => r.headers.authorization === `Bearer ${WEB_TOKEN}`)).toBe(true);
    expect(JSON.stringify(server.logs)).not.toContain(WEB_TOKEN);
  });

  it("waits for the owner's approval before calling a tool of a server that requires it", async () => {
    gateway.enqueue(
      { toolCalls: [{ id: "call_guarded", name: "reverse_text", arguments: '{"text":"guard"}' }] },
      { tokens: ["draug"] },
    );
    const { socket, events, conversationId, messageId } = await send("guard", "Reverse guard");
    await events.waitFor(() =>
      toolEvents(events.forMessage(messageId)).some((e) => e.state === "approval-requested"),
    );
    expectOk(
      await request(socket, "approve_tool_call", {
        conversationId,
        messageId,
        toolCallId: "call_guarded",
        approved: true,
      }),
    );
    const terminal = (await events.terminalOf(messageId)) as AgentProcessingCompleteEvent;
    expect(terminal.text).toBe("draug");
    // The call ran only once approved.
    const changes = toolEvents(events.forMessage(messageId)).filter((e) => e.state !== "input-streaming");
    expect(changes.map((e) => [e.state, e.approval ?? null])).toEqual([
      ["input-available", null],
      ["approval-requested", "requested"],
      ["input-available", "approved"],
      ["output-available", null],
    ]);
    expect(changes.at(-1)?.output).toBe("draug");
  });

  it("Stop during a running MCP tool ends the run within 500 ms, keeps the call, and the server serves the next one", async () => {
    gateway.enqueue(
      { tokens: ["Waiting."], toolCalls: [{ id: "call_wait", name: "wait", arguments: '{"ms":20000}' }] },
      { tokens: ["Never", " sent."] },
    );
    const { cookie, socket, events, conversationId, messageId } = await send("mirror", "Wait a while");
    await events.waitFor(() =>
      toolEvents(events.forMessage(messageId)).some((e) => e.state === "input-available"),
    );
    // The tool is running on the MCP server now.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const stoppedAt = Date.now();
    const cancel = expectOk(await request(socket, "cancel_processing", { conversationId, messageId }));
    expect(cancel.cancelled).toEqual([messageId]);
    const terminal = (await events.terminalOf(messageId)) as AgentProcessingCompleteEvent;
    expect(Date.now() - stoppedAt).toBeLessThan(500);
    const call = {
      type: "tool",
      toolCallId: "call_wait",
      toolName: "wait",
      state: "input-available",
      input: { ms: 20_000 },
    };
    expect(terminal).toMatchObject({ finishReason: "cancelled", text: "Waiting." });
    expect(terminal.parts).toEqual([{ type: "text", text: "Waiting." }, call]);
    const stored = await fetchConversation(server.url, cookie, conversationId);
    expect(stored.messages[1]).toMatchObject({
      status: "cancelled",
      text: "Waiting.",
      parts: terminal.parts,
    });
    // The model was never asked again.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(gateway.requests).toHaveLength(1);

    gateway.reset();
    gateway.enqueue(
      { toolCalls: [{ id: "call_after", name: "reverse_text", arguments: '{"text":"ok"}' }] },
      { tokens: ["ko"] },
    );
    const next = await ask("mirror", "Still there?");
    expect(next.tools.at(-1)).toMatchObject({ state: "output-available", output: "ko" });
  });

  it("writes a stdio server's stderr to the log as bounded lines, never raw", () => {
    const stderr = logLines("mcp server stderr").filter((line) => line.mcpServer === "test");
    expect(stderr.map((line) => line.line)).toEqual([
      "switchboard-test MCP server on stdio",
      "x".repeat(1_000),
    ]);
    const raw = server.logs.filter(
      (entry) => typeof entry === "string" && /switchboard-test|xxxx/.test(entry),
    );
    expect(raw).toEqual([]);
  });

  it("logs a server that cannot start in one line, without its secrets, and a run granted it still answers", async () => {
    const unavailable = logLines("mcp server unavailable");
    expect(unavailable.filter((line) => line.mcpServer === "ghost")).toHaveLength(1);
    expect(unavailable[0]?.reason).toEqual(expect.any(String));
    expect(JSON.stringify(server.logs)).not.toContain("s3cret-value-never-logged");

    gateway.enqueue({ tokens: ["Without", " it."] });
    const { terminal } = await ask("haunted", "Try the ghost");
    expect(terminal.finishReason).toBe("stop");
    expect(terminal.text).toBe("Without it.");
    const sent = gateway.requests.at(-1);
    const system = sent?.messages.find((m) => m.role === "system")?.content;
    expect(system).toContain("The tools of ghost are unavailable right now.");
    const names = ((sent?.body.tools ?? []) as Array<{ function: { name: string } }>).map(
      (t) => t.function.name,
    );
    expect(names).toEqual(["calculator"]);
  });

  it("turns a call on a server that dies mid-call into an output-error, and restarts it for the next run", async () => {
    gateway.enqueue(
      { toolCalls: [{ id: "call_crash", name: "crash", arguments: "{}" }] },
      { tokens: ["It", " broke."] },
    );
    const { terminal, tools } = await ask("mirror", "Crash it");
    expect(terminal.finishReason).toBe("stop");
    expect(tools.at(-1)).toMatchObject({
      state: "output-error",
      errorText: expect.stringMatching(/test.*stopped/),
    });
    const result = gateway.requests[1]?.messages.find((m) => m.role === "tool");
    expect(JSON.stringify(result?.content)).toMatch(/stopped/);
    expect(logLines("mcp server unavailable").filter((line) => line.mcpServer === "test")).toHaveLength(1);

    gateway.reset();
    gateway.enqueue(
      { toolCalls: [{ id: "call_again", name: "reverse_text", arguments: '{"text":"abc"}' }] },
      { tokens: ["cba"] },
    );
    const again = await ask("mirror", "Again");
    expect(again.tools.at(-1)).toMatchObject({ state: "output-available", output: "cba" });
    const ready = (await (await fetch(`${server.url}/api/ready`)).json()) as { mcp: Record<string, string> };
    expect(ready.mcp.test).toBe("ok");
    expect(logLines("unhandled rejection")).toEqual([]);
  });
});

describe("MCP start-up configuration", () => {
  it("refuses a bad MCP_SERVERS file with one line naming it", async () => {
    const bad = writeMcpFile({ mcpServers: { files: { args: ["x"] } } });
    await expect(startServerProcess({ env: { MCP_SERVERS: bad }, timeoutMs: 20_000 })).rejects.toThrow(
      /exited with 1[\s\S]*Invalid MCP servers \(MCP_SERVERS\): .*mcpServers\.files: needs a command or a url/,
    );
  });

  it("refuses a grant naming a server MCP_SERVERS does not configure", async () => {
    const agents = writeAgentsFile([{ id: "a", name: "A", systemPrompt: "x", tools: ["mcp:nowhere"] }]);
    await expect(startServerProcess({ env: { AGENTS_FILE: agents }, timeoutMs: 20_000 })).rejects.toThrow(
      /exited with 1[\s\S]*AGENTS_FILE.*no MCP server "nowhere" is configured/,
    );
  });
});
