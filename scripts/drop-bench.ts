/**
 * Cuts the client's connection at random moments over many answers and counts
 * the runs in which every token reached the client exactly once, in order.
 *
 *   npm run bench:drops -- [--runs 1000] [--parallel 20] [--tokens 40] [--seed 42] [--database-url postgres://…]
 *
 * Starts a fake OpenAI-compatible gateway and the real server (production
 * build, embedded PGlite unless --database-url is given) on free ports.
 */
import { parseArgs } from "node:util";
import { FakeGateway } from "../tests/fixtures/fake-gateway";
import { newSession } from "../tests/helpers/client";
import { runManyWithDrops, seededRandom, summarize } from "../tests/helpers/drop-harness";
import { startServerProcess } from "../tests/helpers/server-process";

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "1000" },
    parallel: { type: "string", default: "20" },
    tokens: { type: "string", default: "40" },
    "token-delay": { type: "string", default: "10" },
    seed: { type: "string", default: String(Date.now() % 1_000_000) },
    "database-url": { type: "string" },
  },
});
const runs = Number(values.runs);
const parallel = Number(values.parallel);
const tokens = Array.from({ length: Number(values.tokens) }, (_, i) => ` t${i}`);

const gateway = await FakeGateway.start();
gateway.setDefault({ tokens, tokenDelayMs: Number(values["token-delay"]) });
const server = await startServerProcess({
  env: {
    LLM_BASE_URL: gateway.baseUrl,
    LLM_MODEL: "fake-model",
    ...(values["database-url"] ? { DATABASE_URL: values["database-url"] } : {}),
  },
});
try {
  const sessions = await Promise.all(Array.from({ length: parallel }, () => newSession(server.url)));
  const random = seededRandom(Number(values.seed));
  const started = Date.now();
  const reports = await runManyWithDrops(runs, parallel, (run) => ({
    baseUrl: server.url,
    cookie: sessions[run % parallel]?.cookie ?? "",
    run,
    tokens,
    random,
  }));
  const { failures, ...summary } = summarize(reports);
  const upstream = gateway.requests.filter((request) => request.path.endsWith("/chat/completions")).length;
  process.stdout.write(`delivery: ${summary.delivered}/${summary.runs} runs with every token exactly once\n`);
  process.stdout.write(
    `${JSON.stringify({ ...summary, upstreamRequests: upstream, seed: Number(values.seed), seconds: (Date.now() - started) / 1000 }, null, 2)}\n`,
  );
  for (const failure of failures)
    process.stdout.write(`run ${failure.run}: ${failure.problems.join("; ")}\n`);
  process.exitCode = failures.length === 0 && upstream === runs ? 0 : 1;
} finally {
  await server.stop();
  await gateway.close();
}
