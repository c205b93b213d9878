import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { readStamps, wallClockMs } from "./tokens";

/** The p-th percentile (0–100) by nearest rank; 0 for no values. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? 0;
}

export const median = (values: readonly number[]) => percentile(values, 50);

const CLOCK_TICKS_PER_SECOND = Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim()) || 100;

/** User + system CPU seconds a process has used so far, from /proc. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name, which is in parentheses and may hold spaces.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}

function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kib = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kib * 1024;
}

/** CPU time and the highest resident memory of server processes over one measured window. */
export class ProcessMeter {
  private readonly cpuAtStart: number;
  private peakRss = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly pids: readonly number[]) {
    this.cpuAtStart = this.cpu();
    this.sample();
    this.timer = setInterval(() => this.sample(), 100);
  }

  stop(): { cpuSeconds: number; peakRssBytes: number } {
    clearInterval(this.timer);
    this.sample();
    return { cpuSeconds: this.cpu() - this.cpuAtStart, peakRssBytes: this.peakRss };
  }

  private cpu(): number {
    return this.pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
  }

  private sample(): void {
    this.peakRss = Math.max(
      this.peakRss,
      this.pids.reduce((sum, pid) => sum + rssBytes(pid), 0),
    );
  }
}

/** What one client saw of one answer: when it started, and each token's delay and count. */
export class AnswerRecord {
  requestedAt = wallClockMs();
  startedAt: number | null = null;
  readonly latencies: number[] = [];
  private readonly seen: Uint8Array;
  duplicates = 0;

  constructor(readonly expectedTokens: number) {
    this.seen = new Uint8Array(expectedTokens);
  }

  /** The request leaves now: started latency counts from here. */
  requesting(): void {
    this.requestedAt = wallClockMs();
  }

  started(): void {
    this.startedAt ??= wallClockMs();
  }

  /** Text as the client received it: every stamped token in it is timed and counted. */
  received(text: string): void {
    const at = wallClockMs();
    for (const { index, sentAt } of readStamps(text)) {
      if (index >= this.expectedTokens) continue;
      if (this.seen[index]) this.duplicates += 1;
      else this.seen[index] = 1;
      this.latencies.push(at - sentAt);
    }
  }

  get lost(): number {
    return this.seen.reduce((count, value) => count + (value ? 0 : 1), 0);
  }
}
