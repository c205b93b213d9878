/**
 * The per-token path, measured: one gateway of the bench's own streams every
 * answer at --rate tokens per second, each token stamped with its send time;
 * the floor (a bare Socket.IO relay), the peer (the AI SDK's streamText as a
 * UI-message stream over HTTP) and Switchboard (production build, PGlite or
 * Postgres, or two replicas over Redis) relay them to real clients with their
 * own connections and sessions. For each number of concurrent answers:
 * started and per-token latency, tokens lost or duplicated, server CPU per
 * token and peak RSS, each the median of --repeat runs.
 *
 *   npm run bench -- [--streams 1,50,200,500] [--rate 20] [--tokens 100] [--repeat 3]
 *                    [--db pglite|postgres|pglite,postgres] [--replicas 2] [--peer-off] [--out bench-results]
 *                    [--profile <dir>]
 *
 * Writes <out>/bench.json and <out>/bench.svg, and prints a Markdown table.
 * With --profile every server under test (floor, peer, Switchboard) writes a CPU profile (.cpuprofile)
 * into <dir> when it stops.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { chartSvg } from "./bench/chart";
import { runBench, type StepResult, type TargetName } from "./bench/run";

const { values } = parseArgs({
  options: {
    streams: { type: "string", default: "1,50,200,500" },
    rate: { type: "string", default: "20" },
    tokens: { type: "string", default: "100" },
    repeat: { type: "string", default: "3" },
    db: { type: "string", default: "pglite" },
    replicas: { type: "string", default: "1" },
    "peer-off": { type: "boolean", default: false },
    out: { type: "string", default: "bench-results" },
    profile: { type: "string" },
  },
});
if (values.profile) {
  mkdirSync(values.profile, { recursive: true });
  process.env.BENCH_PROFILE_DIR = values.profile;
}

const databases = (values.db ?? "pglite").split(",") as Array<"pglite" | "postgres">;
const replicas = Number(values.replicas);
const targets: TargetName[] = [
  "floor",
  ...(values["peer-off"] ? [] : (["peer"] as const)),
  ...databases,
  // Two replicas are compared with one on the same database, Postgres.
  ...(replicas >= 2 ? (databases.includes("postgres") ? [] : (["postgres"] as const)) : []),
  ...(replicas >= 2 ? (["replicas"] as const) : []),
];
const options = {
  streams: (values.streams ?? "").split(",").map(Number),
  rate: Number(values.rate),
  tokens: Number(values.tokens),
  repeat: Number(values.repeat),
  targets,
};
const machine = `${cpus().length} × ${cpus()[0]?.model.trim() ?? "CPU"}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.versions.node}`;

process.stdout.write(`bench: ${JSON.stringify(options)}\nmachine: ${machine}\n`);
const results = await runBench({ ...options, log: (line) => process.stdout.write(`${line}\n`) });

const row = (step: StepResult) => {
  const m = step.median;
  return `| ${step.target} | ${step.streams} | ${m.startedP50Ms} / ${m.startedP99Ms} | ${m.tokenP50Ms} / ${m.tokenP99Ms} / ${m.tokenMaxMs} | ${m.lost} / ${m.duplicated} | ${m.cpuUsPerToken} | ${m.peakRssMiB} |`;
};
const table = [
  "| server | answers | started p50 / p99 (ms) | token p50 / p99 / max (ms) | lost / duplicated | CPU per token (µs) | RSS (MiB) |",
  "|---|---|---|---|---|---|---|",
  ...results
    .map((step, order) => ({ step, order }))
    .sort((a, b) => a.step.streams - b.step.streams || a.order - b.order)
    .map(({ step }) => row(step)),
].join("\n");
process.stdout.write(`\n${table}\n`);

if (replicas >= 2) {
  for (const streams of options.streams) {
    const one = results.find((s) => s.target === "switchboard (postgres)" && s.streams === streams)?.median;
    const two = results.find((s) => s.target === "switchboard (2 replicas)" && s.streams === streams)?.median;
    if (one && two)
      process.stdout.write(
        `2 replicas vs 1 at ${streams}: token p99 × ${(two.tokenP99Ms / one.tokenP99Ms).toFixed(2)}, ` +
          `CPU per token × ${(two.cpuUsPerToken / one.cpuUsPerToken).toFixed(2)}\n`,
      );
  }
}

mkdirSync(values.out ?? "bench-results", { recursive: true });
const caption = `${options.rate} tokens/s per answer, ${options.tokens} tokens, median of ${options.repeat} runs; ${machine}`;
writeFileSync(
  join(values.out ?? "bench-results", "bench.json"),
  `${JSON.stringify({ options, machine, at: new Date().toISOString(), results }, null, 2)}\n`,
);
writeFileSync(join(values.out ?? "bench-results", "bench.svg"), chartSvg(results, caption));
process.stdout.write(`\nwrote ${join(values.out ?? "bench-results", "bench.json")} and bench.svg\n`);
