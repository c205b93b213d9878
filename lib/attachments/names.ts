const NAME_MAX = 200;

/**
 * A file's name as shown and offered for download: the last segment of
 * whatever path the browser sent, without control or formatting characters
 * (no right-to-left override to disguise an extension), at most NAME_MAX
 * characters; "file" when nothing is left.
 */
export function cleanFileName(raw: string | undefined): string {
  const base = (raw ?? "").split(/[\\/]/).pop() ?? "";
  const clean = Array.from(base.replace(/\p{C}/gu, "").trim()).slice(0, NAME_MAX).join("").trim();
  return clean || "file";
}

const units = ["bytes", "KB", "MB", "GB"];

/** "512 bytes", "12.3 KB", "10 MB". */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  if (unit === 0) return `${value} ${value === 1 ? "byte" : "bytes"}`;
  const shown = value >= 10 || Number.isInteger(value) ? Math.round(value) : value.toFixed(1);
  return `${shown} ${units[unit]}`;
}
