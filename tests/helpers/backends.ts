import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
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
