import { formatEta, formatRate } from "./format";

type Props = { progress: number; etaMs: number | null; tokensPerSecond: number | null; done: boolean };

/** How far an answer has come: a bar that only moves forward, the time left and the live pace. */
export function ProgressBar({ progress, etaMs, tokensPerSecond, done }: Props) {
  const percent = done ? 100 : Math.min(99, Math.max(0, Math.round(progress * 100)));
  return (
    <div
      className={`flex h-4 min-w-0 flex-1 items-center gap-3 transition-opacity duration-500 ${done ? "opacity-0 delay-1000" : "opacity-100"}`}
    >
      <div
        data-testid="progress-bar"
        role="progressbar"
        aria-label="Answer progress"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent}
        aria-valuetext={done ? "Done" : `${percent}%${etaMs === null ? "" : `, ${formatEta(etaMs)}`}`}
        className="relative h-1.5 flex-1 overflow-hidden rounded-full bg-zinc-200 dark:bg-zinc-800"
      >
        <div
          className={`relative h-full overflow-hidden rounded-full bg-gradient-to-r from-indigo-500 to-violet-500 transition-[width] duration-300 ease-out dark:from-indigo-400 dark:to-violet-400 ${
            done ? "" : "progress-sheen"
          }`}
          style={{ width: `${percent}%` }}
        />
      </div>
      {tokensPerSecond !== null && !done ? (
        <span
          data-testid="tokens-per-second"
          className="hidden shrink-0 text-xs leading-4 tabular-nums text-zinc-400 sm:inline dark:text-zinc-500"
        >
          {formatRate(tokensPerSecond)}
        </span>
      ) : null}
      <span
        data-testid="eta"
        className="min-w-16 shrink-0 whitespace-nowrap text-right text-xs leading-4 tabular-nums text-zinc-500 dark:text-zinc-400"
      >
        {done ? "Done" : etaMs === null ? "" : formatEta(etaMs)}
      </span>
    </div>
  );
}
