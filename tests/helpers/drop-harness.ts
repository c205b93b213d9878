import { isDeepStrictEqual } from "node:util";
import { chatReducer } from "@/lib/client/state";
import type { JoinConversationResult } from "@/lib/protocol";
import type { RecordedRequest, Scenario } from "../fixtures/fake-gateway";
import { connect, connected, expectOk, fetchConversation, newSession, recordEvents, request } from "./client";
import { View } from "./drop-view";
import { asSent, type ExpectedAnswer, expectedFromEvents } from "./parts-replay";

/**
 * Runs answers through the real server while cutting the client's connection
 * at random moments, and checks each with the browser's own code (ChatLink,
 * ConversationSync, chatReducer): every event (reasoning, tool change, text)
 * applied exactly once, in order, and the final message equal to what is
 * stored and to what the gateway sent.
 */

export type CutKind = "transport" | "network" | "session" | "reload";
export const cutKinds: readonly CutKind[] = ["transport", "network", "session", "reload"];

export type RunReport = {
  run: number;
  /** Every event exactly once, in order; final message = stored message = what the gateway sent. */
  ok: boolean;
  problems: string[];
  cuts: CutKind[];
  /** send_message emits: more than one means an acknowledgement was lost and the send repeated. */
  sends: number;
  /** How the view learned the end: live from the stream, or from a snapshot of the stored answer. */
  endedBy: "stream" | "snapshot" | "none";
  /** Events a socket received twice. */
  receivedTwice: number;
  /** Updates the reducer ignored because a snapshot already held their text. */
  ignoredBySeq: number;
  /** Streaming states checked against the expected message, past the start. */
  checkedMidStream: number;
  ms: number;
  /** Each tab's events in order, kept for a failed run. */
  trace: string[];
};

export type DropRunOptions = {
  baseUrl: string;
  cookie: string;
  run: number;
  /** What every answer grows into, event by event. */
  expected: ExpectedAnswer;
  random?: () => number;
  maxCuts?: number;
  timeoutMs?: number;
};

/** An agent that reasons, calls the calculator, then answers: two upstream requests per message. */
export const workingAgent = {
  id: "worker",
  name: "Worker",
  systemPrompt: "Think, compute, then answer.",
  tools: ["calculator"],
  maxSteps: 3,
};

/** The gateway's side of workingAgent's answers: reasoning and a call first, the answer once the result is back. */
export function agentAtWork(options: { tokens: string[]; tokenDelayMs: number }) {
  return (upstream: RecordedRequest): Scenario =>
    upstream.messages.some((message) => message.role === "tool")
      ? { tokens: options.tokens, tokenDelayMs: options.tokenDelayMs }
      : {
          reasoning: ["Two", " plus", " three", " times", " four:", " the calculator."],
          toolCalls: [
            { id: "call_sum", name: "calculator", arguments: '{"expression":"2 + 3 * 4"}', chunks: 4 },
          ],
          tokenDelayMs: options.tokenDelayMs,
        };
}

/** One answer seen whole on an uncut connection: what every cut run must end up showing, event by event. */
export async function recordReference(baseUrl: string): Promise<ExpectedAnswer> {
  const { cookie } = await newSession(baseUrl);
  const socket = connect(baseUrl, cookie);
  try {
    await connected(socket);
    const events = recordEvents(socket);
    const ack = expectOk(
      await request(socket, "send_message", { text: "Reference", clientMessageId: "drop-reference" }),
    );
    const messageId = ack.runs[0]?.messageId ?? "";
    const terminal = await events.terminalOf(messageId);
    const expected = expectedFromEvents(events.forMessage(messageId));
    if (!isDeepStrictEqual(asSent(expected.partsAt.at(-1)), asSent(terminal.parts)))
      throw new Error("the reference run's events do not add up to its final parts");
    if (events.invalid.length > 0) throw new Error(`invalid events: ${JSON.stringify(events.invalid)}`);
    return expected;
  } finally {
    socket.disconnect();
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Cuts the view's connection one way; a reload replaces the view with a new one. */
async function cut(view: View, kind: CutKind, problems: string[]): Promise<View> {
  const { socket } = view;
  switch (kind) {
    case "transport":
      socket.io.engine?.close();
      return view;
    case "network": {
      // The socket vanishes without a closing handshake, as when a network drops.
      const transport = socket.io.engine?.transport as unknown as
        | { ws?: { terminate?: () => void } }
        | undefined;
      const ws = transport?.ws;
      if (ws?.terminate) ws.terminate();
      else socket.io.engine?.close();
      return view;
    }
    case "session":
      socket.disconnect();
      socket.connect();
      return view;
    case "reload": {
      const conversationId = view.conversationId;
      view.dispose();
      if (!conversationId) return view;
      // A reloaded page starts from the server-rendered history, then joins.
      const { baseUrl, cookie } = view.options;
      const conversation = await fetchConversation(baseUrl, cookie, conversationId);
      const { inProgress } = conversation as typeof conversation & Pick<JoinConversationResult, "inProgress">;
      return new View(view.options, problems, { conversation, inProgress });
    }
  }
}

/** One message, answered while the connection is cut up to maxCuts times. */
export async function runWithDrops(options: DropRunOptions): Promise<RunReport> {
  const random = options.random ?? Math.random;
  const started = Date.now();
  const problems: string[] = [];
  const cuts: CutKind[] = [];
  const first = new View(options, problems, null);
  const views = [first];
  let view = first;
  // As in a browser, the page is connected before the user sends.
  await first.connected();
  const clientMessageId = `drop-${options.run}-${Math.floor(random() * 1e9)}`;
  const text = `Run ${options.run}`;
  first.state = chatReducer(first.state, {
    type: "local_send",
    clientMessageId,
    text,
    agentIds: null,
    createdAt: new Date().toISOString(),
  });
  const delivered = first.link.deliver({ clientMessageId, text, agentIds: null });

  const maxCuts = options.maxCuts ?? 3;
  // A quarter of the runs cut within the first milliseconds, while the acknowledgement is on its way.
  let delay = random() < 0.25 ? random() * 15 : random() * 300;
  while (cuts.length < maxCuts) {
    await sleep(delay);
    await view.connected();
    if (view.isEnded()) break;
    let kind = cutKinds[Math.floor(random() * cutKinds.length)] ?? "transport";
    if (kind === "reload" && !view.conversationId) kind = "session";
    cuts.push(kind);
    view = await cut(view, kind, problems);
    if (!views.includes(view)) views.push(view);
    delay = 50 + random() * 250;
  }
  await delivered;
  const ended = await view.ended(options.timeoutMs ?? 20_000);
  if (!ended) problems.push(`no end seen; the answer is ${view.answer()?.phase ?? "missing"}`);

  const conversationId = view.conversationId;
  if (conversationId) {
    const stored = await fetchConversation(options.baseUrl, options.cookie, conversationId);
    const answers = stored.messages.filter((message) => message.role === "assistant");
    if (answers.length !== 1) problems.push(`${answers.length} answers stored`);
    if (answers[0]?.text !== view.answer()?.text) problems.push("the stored text differs from the one shown");
    if (!isDeepStrictEqual(asSent(answers[0]?.parts), asSent(view.answer()?.parts)))
      problems.push("the stored parts differ from the ones shown");
  } else {
    problems.push("the send was never acknowledged");
  }
  const users = view.state.entries.filter((entry) => entry.kind === "user");
  if (users.length !== 1) problems.push(`${users.length} user messages shown`);
  view.dispose();
  return {
    run: options.run,
    ok: problems.length === 0,
    problems,
    cuts,
    sends: views.reduce((sum, each) => sum + each.sends, 0),
    endedBy: view.endedBy,
    receivedTwice: views.reduce((sum, each) => sum + each.receivedTwice, 0),
    ignoredBySeq: views.reduce((sum, each) => sum + each.ignoredBySeq, 0),
    checkedMidStream: views.reduce((sum, each) => sum + each.checkedMidStream, 0),
    ms: Date.now() - started,
    trace: problems.length === 0 ? [] : views.flatMap((each, i) => [`tab ${i + 1}`, ...each.trace]),
  };
}

/** A small seeded generator (mulberry32), so a failing mix of cuts can be replayed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Runs `count` drop runs, `parallel` at a time. */
export async function runManyWithDrops(
  count: number,
  parallel: number,
  makeOptions: (run: number) => DropRunOptions,
): Promise<RunReport[]> {
  const reports: RunReport[] = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const run = next;
      next += 1;
      reports.push(await runWithDrops(makeOptions(run)));
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return reports.sort((a, b) => a.run - b.run);
}

/** The figures an operator reads: delivery, cuts by kind, lost acknowledgements, repeats dropped. */
export function summarize(reports: RunReport[]) {
  const cutsByKind = Object.fromEntries(
    cutKinds.map((kind) => [kind, reports.flatMap((r) => r.cuts).filter((c) => c === kind).length]),
  );
  return {
    runs: reports.length,
    delivered: reports.filter((r) => r.ok).length,
    cutsByKind,
    repeatedSends: reports.filter((r) => r.sends > 1).length,
    endedBySnapshot: reports.filter((r) => r.endedBy === "snapshot").length,
    seenStreaming: reports.filter((r) => r.checkedMidStream > 0).length,
    receivedTwice: reports.reduce((sum, r) => sum + r.receivedTwice, 0),
    ignoredBySeq: reports.reduce((sum, r) => sum + r.ignoredBySeq, 0),
    failures: reports
      .filter((r) => !r.ok)
      .map((r) => ({ run: r.run, cuts: r.cuts, problems: r.problems, trace: r.trace.join(", ") })),
  };
}
