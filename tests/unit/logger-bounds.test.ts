import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { APICallError } from "@ai-sdk/provider";
import { DrizzleQueryError } from "drizzle-orm/errors";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DatabaseHandle, openDatabase } from "@/lib/db/client";
import { createStore, type Store } from "@/lib/db/queries";
import { createLogger } from "@/lib/logger";

/** A logger writing to an array instead of stdout. */
function capture(secrets?: string[]) {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const parsed = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  return { logger: createLogger({ secrets, destination }), lines, parsed };
}

const MARKER = "zebra-umbrella-7c1f";
const PARAMETER = `${MARKER} ${"x".repeat(32_000)} ${MARKER}`;
const SQL = 'insert into "messages" ("id", "text") values ($1, $2)';

/** What drizzle throws when PostgreSQL refuses a statement (here, a NUL byte in text). */
function failedQuery(): DrizzleQueryError {
  const driverError = Object.assign(new Error('invalid byte sequence for encoding "UTF8": 0x00'), {
    name: "error",
    severity: "ERROR",
    code: "22021",
    where: `unnamed portal parameter $2 = '${PARAMETER}'`,
    detail: `Failing row contains (m1, ${PARAMETER}).`,
    query: SQL,
    params: ["m1", PARAMETER],
  });
  return new DrizzleQueryError(SQL, ["m1", PARAMETER], driverError);
}

function expectNothingOfTheQuery(line: string) {
  expect(line).not.toContain(MARKER);
  expect(line).not.toContain("xxxxxxxxxx");
  expect(line).not.toContain("insert into");
  expect(line).not.toContain("Failed query");
}

describe("a failed database query in the logs", () => {
  it("is one short line saying what failed, without the SQL or its parameters", () => {
    const { logger, lines, parsed } = capture();
    logger.error({ err: failedQuery(), url: "/api/conversations/c1/messages" }, "route failed");
    expect(lines).toHaveLength(1);
    expect(lines[0]?.length).toBeLessThan(4_000);
    expectNothingOfTheQuery(lines[0] ?? "");
    const err = parsed()[0]?.err as Record<string, unknown>;
    expect(err.type).toBe("DrizzleQueryError");
    expect(err.message).toBe('database query failed: 22021 invalid byte sequence for encoding "UTF8": 0x00');
    expect(err.cause).toMatchObject({ code: "22021", severity: "ERROR" });
    expect(err).not.toHaveProperty("query");
    expect(err).not.toHaveProperty("params");
    expect(err.cause).not.toHaveProperty("where");
    expect(err.cause).not.toHaveProperty("detail");
  });

  it("stays out of the line's message when the error is logged alone", () => {
    const { logger, lines, parsed } = capture();
    logger.error(failedQuery());
    logger.error({ err: failedQuery() });
    logger.warn({ error: failedQuery() }, "could not store the answer");
    for (const line of lines) {
      expect(line.length).toBeLessThan(4_000);
      expectNothingOfTheQuery(line);
    }
    expect(parsed()[0]?.msg).toMatch(/^database query failed/);
    expect(parsed()[1]?.msg).toMatch(/^database query failed/);
  });

  it("stays out when its message was copied into another error or a plain field", () => {
    const { logger, lines } = capture();
    const query = failedQuery();
    logger.error({ err: new Error(`could not send: ${query.message}`, { cause: query }) }, "send failed");
    logger.warn({ error: { code: "internal", message: query.message, stack: query.stack } }, "run finished");
    logger.info({ reason: query.message }, "retrying");
    for (const line of lines) {
      expect(line.length).toBeLessThan(4_000);
      expectNothingOfTheQuery(line);
    }
  });
});

describe("a database driver's own error", () => {
  it("keeps its code and at most the start of its reason, which may quote a value", () => {
    const { logger, lines, parsed } = capture();
    const quoted = Object.assign(new Error(`invalid input syntax for type integer: "${PARAMETER}"`), {
      severity: "ERROR",
      code: "22P02",
      where: `unnamed portal parameter $1 = '${PARAMETER}'`,
    });
    logger.error({ err: quoted }, "database connection error");
    expect(lines[0]?.length).toBeLessThan(2_000);
    expect(lines[0]).not.toContain(
      "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    );
    expect(parsed()[0]?.err).toMatchObject({
      code: "22P02",
      message: expect.stringMatching(
        /^invalid input syntax for type integer: .{150,}… \[cut \d+ characters\]$/,
      ),
    });
  });
});

describe("a real failing insert through the store (PGlite)", () => {
  let handle: DatabaseHandle;
  let store: Store;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "switchboard-logger-"));
    handle = await openDatabase({ dataDir });
    store = createStore(handle.db);
  }, 60_000);
  afterAll(async () => {
    await handle?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("logs the database's code and reason, and none of the message text", async () => {
    const conversation = await store.createConversation({
      id: "c-logger",
      ownerId: "u-logger",
      title: "Logger",
      agentIds: ["atlas"],
    });
    const error = await store
      .storeSends([
        {
          userMessage: {
            id: "m-logger",
            conversationId: conversation.id,
            role: "user",
            authorId: "u-logger",
            clientMessageId: "cm-logger",
            text: `${PARAMETER}\u0000`,
            status: "complete",
          },
          runs: [],
        },
      ])
      .then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
    // The premise: drizzle's error carries the statement and the text, and so does the driver's.
    expect(String((error as Error).message)).toContain(MARKER);

    const { logger, lines, parsed } = capture();
    logger.error({ err: error, url: "/api/conversations/c-logger/messages" }, "route failed");
    logger.error(error);
    for (const line of lines) {
      expect(line.length).toBeLessThan(4_000);
      expectNothingOfTheQuery(line);
    }
    expect(parsed()[0]?.err).toMatchObject({
      message: expect.stringMatching(/^database query failed: 22021 invalid byte sequence/),
    });
  });
});

describe("every log line", () => {
  it("cuts long texts, says so, and stays bounded whatever was logged", () => {
    const { logger, lines, parsed } = capture();
    const wide = Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`field${i}`, "y".repeat(900)]));
    const deep = Array.from({ length: 50 }).reduce<object>((inner) => ({ inner, text: "z".repeat(900) }), {});
    logger.info({ text: "w".repeat(100_000) }, "long text");
    logger.info({ wide }, "many fields");
    logger.info({ deep }, "deep");
    logger.info({ list: Array.from({ length: 10_000 }, () => "v".repeat(500)) }, "long list");
    logger.info(`${"u".repeat(50_000)}`);
    logger.info("template %s", "t".repeat(50_000));
    for (const line of lines) expect(line.length).toBeLessThan(12_000);
    const [text] = parsed();
    expect(text?.text).toMatch(/^w{1000}… \[cut 99000 characters\]$/);
    expect(lines[1]).toContain("[cut");
  });

  it("keeps ordinary fields as they were", () => {
    const { logger, parsed } = capture();
    logger.info(
      { conversationId: "c1", chars: 12, ok: true, at: new Date(0), list: [1, "a"] },
      "run finished",
    );
    expect(parsed()[0]).toMatchObject({
      msg: "run finished",
      conversationId: "c1",
      chars: 12,
      ok: true,
      at: "1970-01-01T00:00:00.000Z",
      list: [1, "a"],
    });
  });

  it("writes an error's causes a few levels deep, and survives a cycle", () => {
    const { logger, lines, parsed } = capture();
    const root = new Error("root");
    const chain = [1, 2, 3, 4, 5, 6].reduce((cause, level) => new Error(`level ${level}`, { cause }), root);
    const cyclic = new Error("cyclic") as Error & { cause?: unknown };
    cyclic.cause = cyclic;
    logger.error({ err: chain }, "deep");
    logger.error({ err: cyclic }, "cyclic");
    expect(lines).toHaveLength(2);
    expect(JSON.stringify(parsed()[0])).not.toContain('"root"');
    expect(lines[0]).toContain("[cut: deeper causes]");
    expect(parsed()[1]?.err).toMatchObject({ message: "cyclic", cause: { message: "[circular]" } });
  });

  it("never writes the request body an upstream error carries", () => {
    const { logger, lines, parsed } = capture();
    const error = new APICallError({
      message: "Bad Request",
      url: "http://litellm:4000/v1/chat/completions",
      requestBodyValues: { messages: [{ role: "user", content: MARKER }] },
      statusCode: 400,
      responseBody: `{"error":"${MARKER}"}`,
    });
    logger.warn({ err: error }, "upstream refused");
    expect(lines[0]).not.toContain(MARKER);
    expect(parsed()[0]?.err).toMatchObject({ message: "Bad Request", statusCode: 400 });
  });

  it("masks a secret even where a long text is cut through it", () => {
    const secret = "sk-live-1234567890";
    const { logger, lines } = capture([secret]);
    logger.warn({ detail: `${"a".repeat(993)}${secret}` }, "upstream said");
    logger.warn(`${"b".repeat(990)}${secret}`);
    expect(lines.join("")).not.toContain("sk-live");
  });
});
