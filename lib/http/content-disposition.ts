/** RFC 5987 encoding, for the UTF-8 form of a file name. */
const encodeExtended = (value: string) =>
  encodeURIComponent(value).replace(
    /['()*]/g,
    (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`,
  );

/**
 * A Content-Disposition header naming `filename`: an ASCII stand-in for old
 * clients, and the exact name as `filename*` for every current browser.
 */
export function contentDisposition(disposition: "inline" | "attachment", filename: string): string {
  const fallback = filename.replace(/[^\x20-\x7e]|["\\%]/g, "_");
  return `${disposition}; filename="${fallback}"; filename*=UTF-8''${encodeExtended(filename)}`;
}
