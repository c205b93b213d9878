import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const folder = resolve(import.meta.dirname, "../../lib/client");
const files = readdirSync(folder).filter((name) => name.endsWith(".ts"));

/** Every module a file names in an import or export … from, type-only ones included. */
function specifiers(file: string): string[] {
  const source = readFileSync(join(folder, file), "utf8");
  return [...source.matchAll(/^(?:import|export)\b[^;]*?\bfrom\s+"([^"]+)"/gms)].map(
    (match) => match[1] ?? "",
  );
}

describe("lib/client, the code that runs in the browser", () => {
  it("imports nothing of the server: only the shared protocol, its own files and browser packages", () => {
    const foreign = files.flatMap((file) =>
      specifiers(file)
        .filter(
          (spec) =>
            spec.startsWith("node:") ||
            (spec.startsWith("../") && spec !== "../protocol" && !spec.startsWith("../protocol/")),
        )
        .map((spec) => `${file} → ${spec}`),
    );
    expect(foreign).toEqual([]);
  });

  it("has no import circle among its files", () => {
    const graph = new Map(
      files.map((file) => [
        file,
        specifiers(file)
          .filter((spec) => spec.startsWith("./"))
          .map((spec) => `${spec.slice(2)}.ts`),
      ]),
    );
    const circles: string[] = [];
    const visit = (file: string, path: string[]) => {
      if (path.includes(file)) {
        circles.push([...path.slice(path.indexOf(file)), file].join(" → "));
        return;
      }
      for (const next of graph.get(file) ?? []) visit(next, [...path, file]);
    };
    for (const file of files) visit(file, []);
    expect(files.length).toBeGreaterThan(5);
    expect(circles).toEqual([]);
  });
});
