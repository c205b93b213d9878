import { AnswerRecord, median, ProcessMeter, percentile } from "./measure";
import {
  type BenchProcess,
  startBenchProcess,
  startFloor,
  startPeer,
  startSwitchboard,
  startSwitchboardReplicas,
  type Target,
} from "./targets";

export type TargetName = "floor" | "peer" | "pglite" | "postgres" | "replicas";

export type BenchOptions = {
  /** Concurrent answers, one measured step each. */
  streams: number[];
  /** Tokens per second of each answer. */
  rate: number;
  /** Tokens per answer. */
  tokens: number;
  /** Runs per step; every figure is their median. */
  repeat: number;
  targets: TargetName[];
  /** Progress lines, one per run. */
  log?: (line: string) => void;
};

/** The figures of one run, or the medians of a step's runs. */
export type Figures = {
  answers: number;
  failed: number;
  startedP50Ms: number;
  startedP99Ms: number;
  tokenP50Ms: number;
  tokenP99Ms: number;
  tokenMaxMs: number;
  tokens: number;
  lost: number;
  duplicated: number;
  cpuSeconds: number;
  cpuUsPerToken: number;
  peakRssMiB: number;
  seconds: number;
  /** Why answers failed, by message, for a run that had failures. */
  errors?: Record<string, number>;
};

export type StepResult = { target: string; streams: number; median: Figures; runs: Figures[] };

const round = (value: number, digits = 1) => Number(value.toFixed(digits));

async function measureRun(target: Target, streams: number, options: BenchOptions): Promise<Figures> {
  const clients = await target.clients(streams);
  const records = clients.map(() => new AnswerRecord(options.tokens));
  // Settle: the work of making sessions and connections is not what is measured.
  await new Promise((resolve) => setTimeout(resolve, 300));
  const meter = new ProcessMeter(target.pids);
  const started = performance.now();
  const outcomes = await Promise.allSettled(
    clients.map((client, i) => client.answer(records[i] as AnswerRecord)),
  );
  const seconds = (performance.now() - started) / 1000;
  const { cpuSeconds, peakRssBytes } = meter.stop();
  for (const client of clients) client.close();

  const latencies = records.flatMap((record) => record.latencies);
  const startedMs = records.flatMap((record) =>
    record.startedAt === null ? [] : [record.startedAt - record.requestedAt],
  );
  const tokens = latencies.length;
  const errors: Record<string, number> = {};
  for (const outcome of outcomes) {
    if (outcome.status !== "rejected") continue;
    const message = outcome.reason instanceof Error ? outcome.reason.message : String(outcome.reason);
    errors[message] = (errors[message] ?? 0) + 1;
  }
  return {
    answers: streams,
    failed: outcomes.filter((outcome) => outcome.status === "rejected").length,
    startedP50Ms: round(percentile(startedMs, 50)),
    startedP99Ms: round(percentile(startedMs, 99)),
    tokenP50Ms: round(percentile(latencies, 50)),
    tokenP99Ms: round(percentile(latencies, 99)),
    tokenMaxMs: round(percentile(latencies, 100)),
    tokens,
    lost: records.reduce((sum, record) => sum + record.lost, 0),
    duplicated: records.reduce((sum, record) => sum + record.duplicates, 0),
    cpuSeconds: round(cpuSeconds, 2),
    cpuUsPerToken: round(tokens ? (cpuSeconds * 1e6) / tokens : 0),
    peakRssMiB: round(peakRssBytes / 2 ** 20),
    seconds: round(seconds, 2),
    ...(Object.keys(errors).length > 0 && { errors }),
  };
}

function medianOf(runs: Figures[]): Figures {
  const keys = (Object.keys(runs[0] ?? {}) as Array<keyof Figures>).filter((key) => key !== "errors");
  return Object.fromEntries(
    keys.map((key) => [key, median(runs.map((run) => run[key] as number))]),
  ) as unknown as Figures;
}

async function startTarget(name: TargetName, gatewayUrl: string, timeoutMs: number): Promise<Target> {
  switch (name) {
    case "floor":
      return startFloor(gatewayUrl, timeoutMs);
    case "peer":
      return startPeer(gatewayUrl, timeoutMs);
    case "pglite":
    case "postgres":
      return startSwitchboard(gatewayUrl, name, timeoutMs);
    case "replicas":
      return startSwitchboardReplicas(gatewayUrl, timeoutMs);
  }
}

/**
 * Runs every target through every step against one gateway of the bench's
 * own, one target at a time, and returns each step's runs and medians.
 */
export async function runBench(options: BenchOptions): Promise<StepResult[]> {
  const log = options.log ?? (() => {});
  const gateway: BenchProcess = await startBenchProcess("gateway.ts", [
    "--tokens",
    String(options.tokens),
    "--rate",
    String(options.rate),
  ]);
  const gatewayUrl = `http://127.0.0.1:${gateway.port}/v1`;
  const timeoutMs = (options.tokens / options.rate) * 1000 * 6 + 60_000;
  const results: StepResult[] = [];
  try {
    for (const name of options.targets) {
      const target = await startTarget(name, gatewayUrl, timeoutMs);
      try {
        // One answer first, so code paths are warm before anything is measured.
        await measureRun(target, 1, options);
        for (const streams of options.streams) {
          const runs: Figures[] = [];
          for (let run = 0; run < options.repeat; run++) {
            const figures = await measureRun(target, streams, options);
            runs.push(figures);
            log(
              `${target.name} × ${streams}, run ${run + 1}: token p99 ${figures.tokenP99Ms} ms, started p99 ` +
                `${figures.startedP99Ms} ms, ${figures.cpuUsPerToken} µs CPU/token, RSS ${figures.peakRssMiB} MiB, ` +
                `lost ${figures.lost}, duplicated ${figures.duplicated}, failed ${figures.failed}` +
                (figures.errors ? ` ${JSON.stringify(figures.errors)}` : ""),
            );
          }
          results.push({ target: target.name, streams, median: medianOf(runs), runs });
        }
      } finally {
        await target.stop();
      }
    }
  } finally {
    await gateway.stop();
  }
  return results;
}
