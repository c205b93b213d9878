import { execFile } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { drizzle } from "drizzle-orm/node-postgres";
import { migrate as migrateWith } from "drizzle-orm/node-postgres/migrator";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase } from "../helpers/postgres";

const run = promisify(execFile);
const root = new URL("../..", import.meta.url).pathname;

/** Runs `npm run db:migrate`'s script as the Kubernetes migration Job does. */
function migrate(env: Record<string, string>) {
  return run(process.execPath, ["--import", "tsx", "scripts/migrate.ts"], {
    cwd: root,
    env: { PATH: process.env.PATH, NODE_ENV: "production", ...env },
  });
}

describe("scripts/migrate.ts (the migration Job)", () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(() => database.drop());

  it("creates the schema on an empty PostgreSQL database, and a second run changes nothing", async () => {
    const first = await migrate({ DATABASE_URL: database.url });
    expect(first.stdout).toContain('"msg":"migrations applied"');
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const tables = await client.query<{ tablename: string }>(
        "select tablename from pg_tables where schemaname = 'public' order by tablename",
      );
      expect(tables.rows.map((row) => row.tablename)).toEqual([
        "attachments",
        "conversations",
        "message_attachments",
        "messages",
        "users",
      ]);
      const applied = await client.query<{ count: string }>(
        "select count(*) from drizzle.__drizzle_migrations",
      );

      await migrate({ DATABASE_URL: database.url });
      const again = await client.query<{ count: string }>(
        "select count(*) from drizzle.__drizzle_migrations",
      );
      expect(again.rows[0]?.count).toBe(applied.rows[0]?.count);
    } finally {
      await client.end();
    }
  });

  it("places the messages of conversations stored before branches in one branch each", async () => {
    const older = await createTestDatabase();
    // The schema as it stood before migration 0005: the same migrations, the journal cut there.
    const folder = mkdtempSync(join(tmpdir(), "migrations-"));
    cpSync(join(root, "lib/db/migrations"), folder, { recursive: true });
    const journalPath = join(folder, "meta/_journal.json");
    const journal = JSON.parse(readFileSync(journalPath, "utf8")) as { entries: Array<{ tag: string }> };
    const cut = journal.entries.findIndex((entry) => entry.tag === "0005_branches");
    expect(cut).toBeGreaterThan(0);
    writeFileSync(journalPath, JSON.stringify({ ...journal, entries: journal.entries.slice(0, cut) }));
    const client = new pg.Client({ connectionString: older.url });
    await client.connect();
    try {
      await migrateWith(drizzle(client), { migrationsFolder: folder });
      await client.query(`
        insert into users(id) values ('u');
        insert into conversations(id, owner_id, title) values ('c1', 'u', 't'), ('c2', 'u', 't'), ('c3', 'u', 'empty');
        insert into messages(id, conversation_id, role, status) values ('q1', 'c1', 'user', 'complete'), ('a1', 'c1', 'assistant', 'complete');
        insert into messages(id, conversation_id, role, status, parent_message_id) values ('n1', 'c1', 'assistant', 'complete', 'a1');
        insert into messages(id, conversation_id, role, status) values ('b1', 'c1', 'assistant', 'complete'), ('q2', 'c1', 'user', 'complete'), ('x1', 'c2', 'user', 'complete');
      `);
      await migrate({ DATABASE_URL: older.url });
      const parents = await client.query("select id, parent_id from messages order by position");
      expect(parents.rows.map((row) => [row.id, row.parent_id])).toEqual([
        ["q1", null],
        ["a1", "q1"],
        // An answer asked for inside another is not on a branch.
        ["n1", null],
        ["b1", "a1"],
        ["q2", "b1"],
        ["x1", null],
      ]);
      const leaves = await client.query("select id, active_leaf_id from conversations order by id");
      expect(leaves.rows.map((row) => [row.id, row.active_leaf_id])).toEqual([
        ["c1", "q2"],
        ["c2", "x1"],
        ["c3", null],
      ]);
    } finally {
      await client.end();
      await older.drop();
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it("exits non-zero with one line naming the variable when DATABASE_URL is malformed", async () => {
    const failure = await migrate({ DATABASE_URL: "not-a-url" }).catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: 1 });
    expect((failure as { stderr: string }).stderr.trim()).toBe(
      "Invalid environment variable DATABASE_URL: must be a URL starting with postgres:// or postgresql://",
    );
  });

  it("exits non-zero when the database does not answer", async () => {
    const failure = await migrate({ DATABASE_URL: "postgres://postgres@127.0.0.1:1/none" }).catch(
      (error: unknown) => error,
    );
    expect(failure).toMatchObject({ code: 1 });
    expect((failure as { stdout: string }).stdout).toContain('"msg":"migration failed"');
  });
});
