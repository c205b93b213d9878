export default function NotFound() {
  return (
    <main className="flex min-h-dvh flex-col items-center justify-center gap-3 px-6 text-center">
      <p className="text-sm font-semibold text-indigo-600 dark:text-indigo-400">404</p>
      <h1 className="text-2xl font-semibold tracking-tight">Nothing here</h1>
      <p className="max-w-sm text-sm text-zinc-500 dark:text-zinc-400">
        This page does not exist. A conversation may have been deleted, or it belongs to someone else and was
        not shared.
      </p>
      <a
        href="/"
        className="mt-2 rounded-xl bg-indigo-600 px-4 py-2 text-sm font-semibold text-white shadow-sm hover:bg-indigo-500"
      >
        Start a new chat
      </a>
    </main>
  );
}
