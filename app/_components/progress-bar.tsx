import { formatEta } from "./format";

type Props = { progress: number; etaMs: number | null; done: boolean };

export function ProgressBar({ progress, etaMs, done }: Props) {
  const percent = done ? 100 : Math.min(99, Math.max(0, Math.round(progress * 100)));
  return (
    <div
      className={`mt-3 flex h-4 items-center gap-3 transition-opacity duration-500 ${done ? "opacity-0 delay-1000" : "opacity-100"}`}
    >
      <div
        data-testid="progress-bar"
        role="progressbar"
        aria-label="Answer progress"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent}
        className="h-1 flex-1 overflow-hidden rounded-full bg-zinc-200 dark:bg-zinc-800"
      >
        <div
          className="h-full rounded-full bg-indigo-500 transition-[width] duration-300 ease-out dark:bg-indigo-400"
          style={{ width: `${percent}%` }}
        />
      </div>
      <span
        data-testid="eta"
        className="shrink-0 whitespace-nowrap text-right text-xs leading-4 tabular-nums text-zinc-500 dark:text-zinc-400"
      >
        {done ? "Done" : etaMs === null ? "" : formatEta(etaMs)}
      </span>
    </div>
  );
}
