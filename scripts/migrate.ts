import { openDatabase } from "../lib/db/client";
import { EnvError, parseEnv } from "../lib/env";
import { createLogger } from "../lib/logger";

// Applies pending migrations to the database the app would use (DATABASE_URL,
// else PGlite in DATA_DIR) and exits: the Kubernetes migration Job runs this.
// The app does the same at start, under the same advisory lock.
async function main(): Promise<void> {
  let env: ReturnType<typeof parseEnv>;
  try {
    env = parseEnv(process.env);
  } catch (error) {
    if (!(error instanceof EnvError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
  const logger = createLogger({ level: env.LOG_LEVEL });
  const started = Date.now();
  const database = await openDatabase({
    databaseUrl: env.DATABASE_URL,
    dataDir: env.DATA_DIR,
    onError: (error) => logger.error({ err: error }, "database connection error"),
  });
  await database.close();
  logger.info({ database: database.kind, ms: Date.now() - started }, "migrations applied");
}

main().catch((error: unknown) => {
  createLogger().fatal({ err: error }, "migration failed");
  process.exit(1);
});
