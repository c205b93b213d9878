import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type Bundle, KustomizationError, loadBundle } from "@/scripts/k8s/bundle";
import { type CheckName, checks, runChecks } from "@/scripts/k8s/checks";
import { updateChecksums } from "@/scripts/k8s/checksum";
import { brokenFixtures } from "../fixtures/k8s-broken";

const k8sDir = new URL("../../k8s", import.meta.url).pathname;
const bundle: Bundle = loadBundle(k8sDir);

describe("the k8s/ base", () => {
  it("builds every listed manifest, in the switchboard namespace", () => {
    const kinds = bundle.manifests.map(({ object }) => `${object.kind}/${object.metadata.name}`).sort();
    expect(kinds).toEqual([
      "ConfigMap/litellm-config",
      "ConfigMap/ollama-7900xtx-start",
      "ConfigMap/switchboard-config",
      "Deployment/litellm",
      "Deployment/switchboard",
      "Ingress/switchboard",
      "Job/switchboard-migrate",
      "Namespace/switchboard",
      "PodDisruptionBudget/switchboard",
      "Service/litellm",
      "Service/ollama-7900xtx",
      "Service/postgres",
      "Service/redis",
      "Service/switchboard",
      "StatefulSet/ollama-7900xtx",
      "StatefulSet/postgres",
      "StatefulSet/redis",
    ]);
    for (const { object } of bundle.manifests.filter(({ object }) => object.kind !== "Namespace")) {
      expect(object.metadata.namespace, `${object.kind}/${object.metadata.name}`).toBe("switchboard");
    }
  });

  it.each(Object.keys(checks) as CheckName[])("passes %s", (name) => {
    expect(checks[name](bundle)).toEqual([]);
  });
});

describe("each check on a base broken in exactly the way it guards against", () => {
  it.each(brokenFixtures)("$check reports: $mistake", ({ check, alsoReports = [], breakIt }) => {
    const broken = structuredClone(bundle);
    breakIt(broken);
    const found = runChecks(broken);
    expect(Object.keys(found).sort()).toEqual([check, ...alsoReports].sort());
    expect(found[check]?.length).toBeGreaterThan(0);
  });

  it("has a broken fixture for every check", () => {
    const covered = new Set(brokenFixtures.map(({ check }) => check));
    expect(Object.keys(checks).filter((name) => !covered.has(name as CheckName))).toEqual([]);
  });
});

describe("loadBundle", () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  function copyOfBase(): string {
    dir = mkdtempSync(join(tmpdir(), "switchboard-k8s-"));
    cpSync(k8sDir, dir, { recursive: true });
    return dir;
  }

  it("refuses a kustomization using a feature it does not apply, rather than building something else", () => {
    const copy = copyOfBase();
    const path = join(copy, "kustomization.yaml");
    writeFileSync(path, `${readFileSync(path, "utf8")}commonLabels:\n  team: chat\n`);
    expect(() => loadBundle(copy)).toThrow(KustomizationError);
    expect(() => loadBundle(copy)).toThrow(/commonLabels/);
  });

  it("refuses a document that is not a Kubernetes object", () => {
    const copy = copyOfBase();
    writeFileSync(join(copy, "redis-service.yaml"), "just: text\n");
    expect(() => loadBundle(copy)).toThrow(/redis-service.yaml, document 1: not a Kubernetes object/);
  });
});

describe("updateChecksums (npm run k8s:checksums)", () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("brings the checksum of a pod whose ConfigMap changed up to date, and leaves the others", () => {
    dir = mkdtempSync(join(tmpdir(), "switchboard-k8s-"));
    cpSync(k8sDir, dir, { recursive: true });
    const config = join(dir, "litellm-configmap.yaml");
    writeFileSync(config, readFileSync(config, "utf8").replace("num_retries: 2", "num_retries: 3"));
    expect(Object.keys(runChecks(loadBundle(dir)))).toEqual(["configChecksumsCurrent"]);

    expect(updateChecksums(dir)).toEqual(["litellm-deployment.yaml"]);
    expect(runChecks(loadBundle(dir))).toEqual({});
    expect(updateChecksums(dir)).toEqual([]);
  });
});
