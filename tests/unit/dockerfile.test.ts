import { existsSync, readFileSync } from "node:fs";
import { basename, join, normalize } from "node:path";
import { describe, expect, it } from "vitest";
import { loadBundle } from "@/scripts/k8s/bundle";
import { containersOf, workloads } from "@/scripts/k8s/objects";

const root = new URL("../..", import.meta.url).pathname;

type Instruction = { keyword: string; args: string };
type Stage = { name: string; from: string; instructions: Instruction[] };

/** The Dockerfile's stages and their instructions (continuations joined, comments dropped). */
function readStages(text: string): Stage[] {
  const lines = text
    .replace(/\\\n/g, " ")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"));
  const stages: Stage[] = [];
  for (const line of lines) {
    const [keyword = "", ...rest] = line.split(/\s+/);
    const args = rest.join(" ");
    if (keyword.toUpperCase() === "FROM") {
      const [from = "", , name = `stage${stages.length}`] = args.split(/\s+/);
      stages.push({ name, from, instructions: [] });
    } else {
      stages.at(-1)?.instructions.push({ keyword: keyword.toUpperCase(), args });
    }
  }
  return stages;
}

const stages = readStages(readFileSync(join(root, "Dockerfile"), "utf8"));
const runtime = stages.at(-1) as Stage;
const ignored = readFileSync(join(root, ".dockerignore"), "utf8")
  .split("\n")
  .map((line) => line.trim())
  .filter((line) => line !== "" && !line.startsWith("#"));

/** .dockerignore's rule: a pattern (with * and **) matches the path or one of its parent folders. */
function isIgnored(path: string): boolean {
  return ignored.some((pattern) => {
    const source = pattern
      .replace(/[.+^${}()|[\]\\]/g, "\\$&")
      .replace(/\*\*/g, "\u0000")
      .replace(/\*/g, "[^/]*")
      .replace(/\?/g, "[^/]")
      .replaceAll("\u0000", ".*");
    return new RegExp(`^${source}(/|$)`).test(path);
  });
}

const copies = (stage: Stage) =>
  stage.instructions
    .filter(({ keyword }) => keyword === "COPY")
    .map(({ args }) => {
      const parts = args.split(/\s+/);
      const from = parts.find((part) => part.startsWith("--from="))?.slice("--from=".length);
      const paths = parts.filter((part) => !part.startsWith("--"));
      return { from, sources: paths.slice(0, -1), target: paths.at(-1) ?? "" };
    });

describe("Dockerfile", () => {
  it("builds in stages and runs the last one as an unprivileged user", () => {
    expect(stages.length).toBeGreaterThanOrEqual(3);
    expect(stages[0]?.from).toMatch(/^node:\$\{NODE_VERSION\}-\w+-slim$/);
    const users = runtime.instructions.filter(({ keyword }) => keyword === "USER").map(({ args }) => args);
    expect(users.at(-1)).toBe("node");
  });

  it("ships only production dependencies", () => {
    const modules = copies(runtime).find(({ sources }) =>
      sources.some((source) => source.includes("node_modules")),
    );
    const origin = stages.find(({ name }) => name === modules?.from);
    const installs = origin?.instructions.filter(
      ({ keyword, args }) => keyword === "RUN" && args.includes("npm ci"),
    );
    expect(installs?.map(({ args }) => args)).toEqual([expect.stringContaining("npm ci --omit=dev")]);
  });

  it("copies from the context only files that exist and that .dockerignore lets through", () => {
    const sources = stages
      .flatMap((stage) => copies(stage).filter(({ from }) => !from))
      .flatMap((copy) => copy.sources);
    for (const source of sources.filter((each) => each !== ".")) {
      expect(existsSync(join(root, source)), source).toBe(true);
      expect(isIgnored(source), source).toBe(false);
    }
    for (const path of [".git", "node_modules", ".next/cache", "tests/unit", "k8s", ".env.local"]) {
      expect(isIgnored(path), path).toBe(true);
    }
  });

  it("starts server.ts through tsx, and holds the script the migration Job runs", () => {
    const command = runtime.instructions.filter(({ keyword }) => keyword === "CMD").at(-1)?.args;
    expect(JSON.parse(command ?? "[]")).toEqual(["node", "--import", "tsx", "server.ts"]);
    // Where each file copied from the context lands, relative to WORKDIR.
    const inImage = copies(runtime)
      .filter(({ from }) => !from)
      .flatMap(({ sources, target }) =>
        target.endsWith("/")
          ? sources.map((source) => normalize(join(target, basename(source))))
          : [normalize(target)],
      );
    expect(inImage).toContain("server.ts");
    const job = workloads(loadBundle(join(root, "k8s"))).find(({ kind }) => kind === "Job");
    const script = job && containersOf(job)[0]?.command?.find((part) => part.endsWith(".ts"));
    expect(script).toBe("scripts/migrate.ts");
    expect(inImage).toContain(script);
  });
});
