import { Icon } from "./icon";

type Props = { title: string; message: string; onRetry?: () => void; retryLabel?: string };

export function ErrorBanner({ title, message, onRetry, retryLabel = "Retry" }: Props) {
  return (
    <div
      data-testid="error-banner"
      role="alert"
      className="mt-3 flex items-start gap-3 rounded-xl border border-red-200 bg-red-50 px-3 py-2.5 text-sm text-red-800 dark:border-red-900/60 dark:bg-red-950/40 dark:text-red-200"
    >
      <Icon name="alert" className="mt-0.5 size-4 shrink-0" />
      <div className="min-w-0 flex-1">
        <p className="font-medium">{title}</p>
        <p className="break-words text-red-700 dark:text-red-300">{message}</p>
      </div>
      {onRetry ? (
        <button
          type="button"
          data-testid="retry-button"
          onClick={onRetry}
          className="shrink-0 rounded-lg bg-white px-2.5 py-1 text-xs font-semibold text-red-700 shadow-sm ring-1 ring-red-200 hover:bg-red-100 focus-visible:outline-2 focus-visible:outline-red-500 dark:bg-red-900/40 dark:text-red-100 dark:ring-red-800 dark:hover:bg-red-900/70"
        >
          {retryLabel}
        </button>
      ) : null}
    </div>
  );
}
