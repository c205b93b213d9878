/**
 * Cuts the client's connection at random moments over many answers and counts
 * the runs in which every event reached the client exactly once, in order.
 *
 *   npm run bench:drops -- [--runs 1000] [--parallel 20] [--tokens 40] [--seed 42] [--tools]
 *                          [--database-url postgres://…]
 *
 * Starts a fake OpenAI-compatible gateway and the real server (production
 * build, embedded PGlite unless --database-url is given) on free ports. With
 * --tools every answer reasons and calls the calculator before its text.
 */
import { parseArgs } from "node:util";
import { newSession } from "../tests/helpers/client";
import {
  agentAtWork,
  recordReference,
  runManyWithDrops,
  seededRandom,
  summarize,
  workingAgent,
} from "../tests/helpers/drop-harness";
import { startServerWithGateway } from "../tests/helpers/gateway-server";
import { expectedFromTokens } from "../tests/helpers/parts-replay";

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "1000" },
    parallel: { type: "string", default: "20" },
    tokens: { type: "string", default: "40" },
    "token-delay": { type: "string", default: "10" },
    seed: { type: "string", default: String(Date.now() % 1_000_000) },
    tools: { type: "boolean", default: false },
    "database-url": { type: "string" },
  },
});
const runs = Number(values.runs);
const parallel = Number(values.parallel);
const tokens = Array.from({ length: Number(values.tokens) }, (_, i) => ` t${i}`);

const tokenDelayMs = Number(values["token-delay"]);
const running = await startServerWithGateway({
  ...(values.tools && { agents: [workingAgent] }),
  env: values["database-url"] ? { DATABASE_URL: values["database-url"] } : {},
});
const { gateway, server } = running;
gateway.setDefault(values.tools ? agentAtWork({ tokens, tokenDelayMs }) : { tokens, tokenDelayMs });
try {
  const expected = values.tools ? await recordReference(server.url) : expectedFromTokens(tokens);
  const requestsBefore = gateway.requests.length;
  const sessions = await Promise.all(Array.from({ length: parallel }, () => newSession(server.url)));
  const random = seededRandom(Number(values.seed));
  const started = Date.now();
  const reports = await runManyWithDrops(runs, parallel, (run) => ({
    baseUrl: server.url,
    cookie: sessions[run % parallel]?.cookie ?? "",
    run,
    expected,
    random,
  }));
  const { failures, ...summary } = summarize(reports);
  const upstream = gateway.requests
    .slice(requestsBefore)
    .filter((request) => request.path.endsWith("/chat/completions")).length;
  const perMessage = values.tools ? 2 : 1;
  process.stdout.write(`delivery: ${summary.delivered}/${summary.runs} runs with every event exactly once\n`);
  process.stdout.write(
    `${JSON.stringify({ ...summary, upstreamRequests: upstream, seed: Number(values.seed), seconds: (Date.now() - started) / 1000 }, null, 2)}\n`,
  );
  for (const failure of failures)
    process.stdout.write(`run ${failure.run}: ${failure.problems.join("; ")}\n`);
  process.exitCode = failures.length === 0 && upstream === perMessage * runs ? 0 : 1;
} finally {
  await running.stop();
}
