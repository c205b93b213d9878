import fc from "fast-check";
import { io } from "socket.io-client";
import type { TestSocket } from "./client";
import { anyPayload, anyValue, type FuzzFixture, headerSafe, hugeString, idLike } from "./fuzz-inputs";
import { originHeader } from "./fuzz-requests";

/** A value as fast-check prints it, cut short for a failure message. */
export const describeInput = (value: unknown) => fc.stringify(value).slice(0, 600);

export type Emitted =
  | { kind: "ack"; response: unknown[] }
  | { kind: "timeout" }
  | { kind: "disconnected"; reason: string };

/** Emits with these arguments and a callback as the last one; settles on ack, disconnect or timeout. */
export function emit(
  socket: TestSocket,
  event: string,
  args: unknown[],
  timeoutMs: number,
): Promise<Emitted> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (outcome: Emitted) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.off("disconnect", onDisconnect);
      resolve(outcome);
    };
    const onDisconnect = (reason: string) => finish({ kind: "disconnected", reason });
    const timer = setTimeout(() => finish({ kind: "timeout" }), timeoutMs);
    socket.on("disconnect", onDisconnect);
    // biome-ignore lint/suspicious/noExplicitAny: arbitrary event names and arguments are the point
    (socket as any).emit(event, ...args, (...response: unknown[]) => finish({ kind: "ack", response }));
  });
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** What is wrong with an acknowledgement, or null when it keeps SPEC §3's shape. */
export function ackProblem(event: string, response: unknown[]): string | null {
  const [ack] = response;
  if (response.length !== 1 || !isRecord(ack)) return `ack is not one object: ${describeInput(response)}`;
  if (ack.ok === false) {
    const error = ack.error;
    if (!isRecord(error) || typeof error.code !== "string" || typeof error.message !== "string") {
      return `refusal without { code, message }: ${describeInput(ack)}`;
    }
    if (error.code.startsWith("internal")) return `internal error: ${describeInput(ack)}`;
    if (error.code === "rate_limited" && typeof error.retryInMs !== "number") {
      return "rate_limited without retryInMs";
    }
    return null;
  }
  if (ack.ok !== true) return `ack.ok is neither true nor false: ${describeInput(ack)}`;
  const startsRuns = event === "send_message" || event === "edit_message" || event === "regenerate";
  if (startsRuns && (typeof ack.conversationId !== "string" || !Array.isArray(ack.runs))) {
    return `success without conversationId and runs: ${describeInput(ack)}`;
  }
  if (event === "join_conversation" && (!isRecord(ack.conversation) || !Array.isArray(ack.inProgress))) {
    return `join without conversation and inProgress: ${describeInput(ack)}`;
  }
  if (event === "cancel_processing" && !Array.isArray(ack.cancelled)) return "cancel without cancelled";
  if (event === "remove_message" && !Array.isArray(ack.removed)) return "remove without removed";
  return null;
}

/** A socket still serves when a valid, harmless request on it is answered. */
export async function pingProblem(socket: TestSocket, timeoutMs: number): Promise<string | null> {
  const outcome = await emit(socket, "leave_conversation", [{ conversationId: "c-ping" }], timeoutMs);
  if (outcome.kind === "disconnected") return `the server dropped the socket (${outcome.reason})`;
  if (outcome.kind === "timeout") return "the socket stopped answering";
  return null;
}

/**
 * A Socket.IO packet as the engine carries it (`<type>[<attachments>-][<nsp>,][<id>]<json>`),
 * each part right or wrong: unknown types, binary placeholders with no
 * attachment, other namespaces, absurd ack ids, reserved event names, bad JSON.
 */
export function rawPacket(fixture: FuzzFixture, eventNames: string[]) {
  const json = fc.oneof(
    fc
      .tuple(fc.constantFrom(...eventNames, "disconnect", "connect"), anyPayload(fixture))
      .map((value) => JSON.stringify(value) ?? ""),
    anyValue.map((value) => JSON.stringify(value) ?? ""),
    fc.constantFrom(
      "",
      "[",
      "[]",
      "{}",
      '["send_message"]',
      "[1,2]",
      '[{"_placeholder":true,"num":0}]',
      "null",
    ),
    hugeString,
  );
  return fc
    .tuple(
      fc.constantFrom("0", "1", "2", "3", "4", "5", "6", "7", "9", ""),
      fc.constantFrom("", "1-", "2-", "99999999999999999999-"),
      fc.constantFrom("", "/", "/admin,", "/,"),
      fc.constantFrom("", "0", "1", "-1", "1e3", "99999999999999999999"),
      json,
    )
    .map((parts) => parts.join(""));
}

/** A connection attempt: transport, cookie (valid, forged, malformed, huge, many), auth payload and headers. */
export function handshakeInput(fixture: FuzzFixture, validCookies: string[], origin: string) {
  const token = validCookies[0]?.slice("sid=".length) ?? "";
  const cookie = fc.oneof(
    fc.constantFrom(...validCookies),
    fc.constantFrom(
      "sid=%E0%A4%A",
      "sid=u_forged.AAAA",
      `sid=${token.slice(0, -1)}A`,
      `sid=${"a".repeat(9_000)}`,
      `sid=garbage; ${validCookies[0]}`,
    ),
    fc
      .array(fc.tuple(fc.string({ maxLength: 10 }), fc.string({ unit: "binary", maxLength: 30 })), {
        maxLength: 80,
      })
      .map((pairs) => headerSafe(pairs.map(([name, value]) => `${name}=${value}`).join("; "))),
  );
  const auth = fc.oneof(
    fc.record({ pid: idLike(fixture), offset: idLike(fixture) }, { requiredKeys: [] }),
    fc.object({ maxDepth: 2 }),
    fc.record({ token: hugeString }),
  );
  const optional = <T>(arbitrary: fc.Arbitrary<T>) => fc.option(arbitrary, { nil: undefined });
  return fc.record({
    transport: fc.constantFrom("websocket", "polling"),
    cookie: optional(cookie),
    auth: optional(auth),
    origin: optional(originHeader(origin)),
    fetchSite: optional(fc.constantFrom("same-origin", "cross-site", "none", "bogus")),
    forwardedFor: optional(fc.constantFrom("1.2.3.4", "garbage", "", "::1, 1.1.1.1")),
    forwardedProto: optional(fc.constantFrom("https", "http", "nonsense")),
    extra: fc.dictionary(
      fc.stringMatching(/^x-[a-z0-9-]{1,20}$/),
      fc.string({ unit: "binary", maxLength: 60 }).map(headerSafe),
      { maxKeys: 4 },
    ),
  });
}

export type Handshake = ReturnType<typeof handshakeInput> extends fc.Arbitrary<infer T> ? T : never;

/** Opens a connection as `input` describes and resolves once it connects, is refused, or `timeoutMs` passes. */
export async function shake(
  url: string,
  input: Handshake,
  timeoutMs: number,
): Promise<{ socket: TestSocket; settled: "connect" | "refused" | "timeout" }> {
  const headers: Record<string, string> = { ...input.extra };
  if (input.cookie !== undefined) headers.cookie = input.cookie;
  if (input.origin !== undefined) headers.origin = input.origin;
  if (input.fetchSite !== undefined) headers["sec-fetch-site"] = input.fetchSite;
  if (input.forwardedFor !== undefined) headers["x-forwarded-for"] = input.forwardedFor;
  if (input.forwardedProto !== undefined) headers["x-forwarded-proto"] = input.forwardedProto;
  const socket: TestSocket = io(url, {
    path: "/socket.io",
    transports: [input.transport],
    extraHeaders: headers,
    reconnection: false,
    forceNew: true,
    timeout: timeoutMs,
    ...(input.auth === undefined ? {} : { auth: input.auth }),
  });
  const settled = await new Promise<"connect" | "refused" | "timeout">((resolve) => {
    const timer = setTimeout(() => resolve("timeout"), timeoutMs + 1_000);
    const finish = (outcome: "connect" | "refused") => {
      clearTimeout(timer);
      resolve(outcome);
    };
    socket.once("connect", () => finish("connect"));
    socket.once("connect_error", () => finish("refused"));
    // A CONNECT packet the server cannot parse closes the transport before any connect_error.
    socket.once("disconnect", () => finish("refused"));
  });
  return { socket, settled };
}
