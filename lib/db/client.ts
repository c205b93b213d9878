import { spawn } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import { sql } from "drizzle-orm";
import { drizzle as drizzleNodePg } from "drizzle-orm/node-postgres";
import { migrate as migrateNodePg } from "drizzle-orm/node-postgres/migrator";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import pg from "pg";
import * as schema from "./schema";

/** One type for both drivers: queries never know which one runs them. */
export type Database = PgDatabase<PgQueryResultHKT, typeof schema>;

export type DatabaseHandle = {
  db: Database;
  kind: "pglite" | "postgres";
  /** True when the database answers a trivial query. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
};

const migrationsFolder = fileURLToPath(new URL("./migrations", import.meta.url));

export type OpenDatabaseOptions = {
  databaseUrl?: string;
  /** PostgreSQL connections this process keeps at most; default 20. */
  poolSize?: number;
  dataDir: string;
  /** Told of connection errors that no query is waiting on. */
  onError?: (error: Error) => void;
};

/** Opens PostgreSQL at databaseUrl, or embedded PGlite in dataDir, and applies pending migrations. */
export async function openDatabase(options: OpenDatabaseOptions): Promise<DatabaseHandle> {
  return options.databaseUrl
    ? openPostgres(options.databaseUrl, options.poolSize ?? 20, options.onError)
    : openPglite(options.dataDir);
}

/**
 * The embedded database's settings. Its working set is small (the rows of
 * recent conversations) and the OS caches its files besides: 16 MB of shared
 * buffers instead of PostgreSQL's 128 MB keeps about 130 MiB out of the
 * server's memory.
 */
const PGLITE_OPTIONS = { postgresqlconf: ["shared_buffers = 16MB"] };

/**
 * Creates a new database's files in a process of its own: initdb grows
 * PGlite's WebAssembly memory to about 600 MiB, which a process never gives
 * back. Opened afterwards, the server's database takes about 150 MiB.
 */
async function initPgliteApart(dir: string): Promise<void> {
  const pglite = createRequire(import.meta.url).resolve("@electric-sql/pglite");
  const code = `require(${JSON.stringify(pglite)}).PGlite.create(${JSON.stringify(dir)}, ${JSON.stringify(PGLITE_OPTIONS)}).then((db) => db.close())`;
  const child = spawn(process.execPath, ["-e", code], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (chunk: string) => {
    stderr = (stderr + chunk).slice(-2_000);
  });
  const exitCode = await new Promise<number | null>((resolveExit, reject) => {
    child.once("error", reject);
    child.once("exit", resolveExit);
  });
  if (exitCode !== 0)
    throw new Error(`Creating the embedded database in ${dir} failed (exit ${exitCode}): ${stderr.trim()}`);
}

async function openPglite(dataDir: string): Promise<DatabaseHandle> {
  const dir = resolve(dataDir, "pglite");
  mkdirSync(dir, { recursive: true });
  if (!existsSync(join(dir, "PG_VERSION"))) await initPgliteApart(dir);
  const client = await PGlite.create(dir, PGLITE_OPTIONS);
  const db = drizzlePglite(client, { schema });
  await migratePglite(db, { migrationsFolder });
  return {
    db: db as unknown as Database,
    kind: "pglite",
    ping: () => pingWith(db as unknown as Database),
    close: () => client.close(),
  };
}

// Replicas starting together must not apply the same migration twice.
const MIGRATION_LOCK = 0x5b0a2d;

/**
 * How long a query may wait for a pooled connection, a new one included. A
 * burst of answers queues for the pool rather than failing; a database that
 * does not answer shows on /api/ready (its own 2 s ping) long before this.
 */
const POOL_WAIT_MS = 30_000;

async function openPostgres(
  databaseUrl: string,
  poolSize: number,
  onError?: (error: Error) => void,
): Promise<DatabaseHandle> {
  const lockClient = new pg.Client({ connectionString: databaseUrl });
  await lockClient.connect();
  try {
    await lockClient.query("select pg_advisory_lock($1)", [MIGRATION_LOCK]);
    await migrateNodePg(drizzleNodePg(lockClient, { schema }), { migrationsFolder });
  } finally {
    await lockClient.query("select pg_advisory_unlock($1)", [MIGRATION_LOCK]).catch(() => {});
    await lockClient.end();
  }
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: poolSize,
    connectionTimeoutMillis: POOL_WAIT_MS,
  });
  // An idle client losing its connection must not take the process down.
  pool.on("error", (error) => onError?.(error));
  const db = drizzleNodePg(pool, { schema }) as unknown as Database;
  return { db, kind: "postgres", ping: () => pingWith(db), close: () => pool.end() };
}

const PING_TIMEOUT_MS = 2_000;

/** Readiness probes call this: a database that does not answer in time counts as down. */
async function pingWith(db: Database): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), PING_TIMEOUT_MS);
  });
  const answered = db.execute(sql`select 1`).then(
    () => true,
    () => false,
  );
  try {
    return await Promise.race([answered, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}
