import { execFile } from "node:child_process";
import { promisify } from "node:util";
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
