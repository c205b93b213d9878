import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "@/lib/db/client";
import { createStore, type Store } from "@/lib/db/queries";
import { createTestDatabase } from "./postgres";

/** Where a server process stores its data: the env that points it there, and how to remove it. */
export type BackendSetUp = { env: Record<string, string> & { DATA_DIR: string }; tearDown(): Promise<void> };
export type Backend = { name: string; setUp(): Promise<BackendSetUp> };

/** The two storage backends a server process can run on: embedded PGlite and the real PostgreSQL. */
export const serverBackends: Backend[] = [
  {
    name: "embedded PGlite",
    async setUp() {
      const dataDir = mkdtempSync(join(tmpdir(), "switchboard-server-"));
      return {
        env: { DATA_DIR: dataDir },
        tearDown: async () => rmSync(dataDir, { recursive: true, force: true }),
      };
    },
  },
  {
    name: "PostgreSQL",
    async setUp() {
      const database = await createTestDatabase();
      const dataDir = mkdtempSync(join(tmpdir(), "switchboard-server-"));
      return {
        env: { DATABASE_URL: database.url, DATA_DIR: dataDir },
        async tearDown() {
          await database.drop();
          rmSync(dataDir, { recursive: true, force: true });
        },
      };
    },
  },
];

/** A store opened in this process on one of the two databases, for tests of the queries themselves. */
export type StoreBackend = { name: string; open(): Promise<{ store: Store; close(): Promise<void> }> };

export const storeBackends: StoreBackend[] = [
  {
    name: "embedded PGlite",
    async open() {
      const dataDir = mkdtempSync(join(tmpdir(), "switchboard-pglite-"));
      const handle = await openDatabase({ dataDir });
      return {
        store: createStore(handle.db),
        async close() {
          await handle.close();
          rmSync(dataDir, { recursive: true, force: true });
        },
      };
    },
  },
  {
    name: "PostgreSQL at 127.0.0.1:5432",
    async open() {
      const database = await createTestDatabase();
      const handle = await openDatabase({ databaseUrl: database.url, dataDir: "unused" });
      // A second opening applies no migration twice.
      await (await openDatabase({ databaseUrl: database.url, dataDir: "unused" })).close();
      return {
        store: createStore(handle.db),
        async close() {
          await handle.close();
          await database.drop();
        },
      };
    },
  },
];
