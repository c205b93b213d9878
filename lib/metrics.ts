import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { RunObserver } from "./agents/run-report";

/** The process's Prometheus metrics; the agents report runs to it, the realtime layer sockets. */
export type Metrics = RunObserver & {
  socketConnected(): void;
  socketDisconnected(): void;
  /** The exposition for GET /metrics. */
  render(): Promise<{ contentType: string; body: string }>;
};

/**
 * A registry of its own (never prom-client's global one), so creating it twice
 * in one process — tests, or a module loaded by two bundles — cannot clash.
 * Default metrics include the event-loop lag (`nodejs_eventloop_lag_seconds`
 * and its percentiles) and the process's CPU, memory and handles.
 */
export function createMetrics(options: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const activeRuns = new Gauge({
    name: "switchboard_active_runs",
    help: "Runs executing now in this process",
    labelNames: ["agent"] as const,
    registers,
  });
  const runsTotal = new Counter({
    name: "switchboard_runs_total",
    help: "Finished runs by outcome (complete, cancelled, error, interrupted)",
    labelNames: ["agent", "outcome"] as const,
    registers,
  });
  const histogram = <L extends string>(name: string, help: string, labelNames: L[], buckets: number[]) =>
    new Histogram({ name, help, labelNames, buckets, registers });
  const timeToFirstToken = histogram(
    "switchboard_time_to_first_token_seconds",
    "From the start of a run (before the upstream call) to its first token",
    ["agent", "model"],
    [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120],
  );
  const tokensPerSecond = histogram(
    "switchboard_tokens_per_second",
    "Output tokens per second of a run, from its first token to its end",
    ["agent", "model"],
    [1, 2, 5, 10, 20, 30, 50, 75, 100, 150, 200, 500],
  );
  const runDuration = histogram(
    "switchboard_run_duration_seconds",
    "From the start of a run to its end, by outcome",
    ["agent", "outcome"],
    [0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300],
  );
  const upstreamErrors = new Counter({
    name: "switchboard_upstream_errors_total",
    help: "Failed upstream attempts (retried ones included) by HTTP status ('none' without one) and error code",
    labelNames: ["status", "code"] as const,
    registers,
  });
  const connectedSockets = new Gauge({
    name: "switchboard_connected_sockets",
    help: "Socket.IO connections open on this process",
    registers,
  });

  return {
    runStarted({ agentId }) {
      activeRuns.inc({ agent: agentId });
    },
    runFinished(report) {
      activeRuns.dec({ agent: report.agentId });
      runsTotal.inc({ agent: report.agentId, outcome: report.outcome });
      runDuration.observe({ agent: report.agentId, outcome: report.outcome }, report.durationMs / 1000);
      const byModel = { agent: report.agentId, model: report.model };
      if (report.ttftMs !== null) timeToFirstToken.observe(byModel, report.ttftMs / 1000);
      if (report.tokensPerSecond !== null) tokensPerSecond.observe(byModel, report.tokensPerSecond);
    },
    upstreamFailed({ code, status }) {
      upstreamErrors.inc({ status: status === undefined ? "none" : String(status), code });
    },
    socketConnected: () => connectedSockets.inc(),
    socketDisconnected: () => connectedSockets.dec(),
    async render() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}
