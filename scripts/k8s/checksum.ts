import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Bundle, loadBundle } from "./bundle";
import { configMapsUsedBy, isLongRunning, type Workload, workloads } from "./objects";

export const checksumAnnotation = "checksum/config";

/**
 * sha256 of the files that define the ConfigMaps a pod reads, in file-name order; for one file this is
 * `sha256sum k8s/<file>`. Undefined when the pod reads no ConfigMap of the base.
 */
export function configChecksum(bundle: Bundle, workload: Workload): string | undefined {
  const used = new Set(configMapsUsedBy(workload));
  const files = [
    ...new Set(
      bundle.manifests
        .filter(({ object }) => object.kind === "ConfigMap" && used.has(object.metadata.name))
        .map(({ file }) => file),
    ),
  ].sort();
  if (files.length === 0) return undefined;
  const hash = createHash("sha256");
  for (const file of files) hash.update(bundle.texts[file] ?? "");
  return hash.digest("hex");
}

const annotationLine = /^(\s*checksum\/config:[ \t]*)(\S*)[ \t]*$/gm;

/** Writes the current checksum into each workload's `checksum/config` annotation; returns the files changed. */
export function updateChecksums(dir: string): string[] {
  const bundle = loadBundle(dir);
  const changed: string[] = [];
  for (const workload of workloads(bundle).filter(isLongRunning)) {
    const checksum = configChecksum(bundle, workload);
    if (checksum === undefined) continue;
    const path = join(dir, workload.file);
    const text = readFileSync(path, "utf8");
    const lines = text.match(annotationLine) ?? [];
    if (lines.length !== 1) {
      throw new Error(
        `${workload.file}: expected one "${checksumAnnotation}:" line under the pod template's annotations, found ${lines.length}`,
      );
    }
    // Quoted: a digest of digits and one "e" would otherwise read as a number.
    const updated = text.replace(annotationLine, (_line, key: string) => `${key}"${checksum}"`);
    if (updated !== text) {
      writeFileSync(path, updated);
      changed.push(workload.file);
    }
  }
  return changed;
}
