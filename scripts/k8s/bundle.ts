import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments, parse as parseYaml } from "yaml";

/** A Kubernetes object as the YAML holds it; the checks read it field by field. */
export type KubeObject = {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [field: string]: unknown;
};

export type Manifest = { file: string; object: KubeObject };

/** What `kubectl kustomize <dir>` would build, plus what the checks need to know about the folder. */
export type Bundle = {
  /** Files named in kustomization.yaml `resources`, in order. */
  listed: string[];
  /** YAML files in the folder itself, other than kustomization.yaml. */
  present: string[];
  /** Text of every listed file that exists. */
  texts: Record<string, string>;
  manifests: Manifest[];
  /** Objects in examples/, which is not part of the base (the Secret to create by hand, oauth2-proxy sign-in). */
  examples: Manifest[];
};

export class KustomizationError extends Error {
  override readonly name = "KustomizationError";
}

// The loader applies these fields and nothing else, so that it builds what
// kustomize builds; a kustomization using any other field is refused.
const supportedFields = new Set(["apiVersion", "kind", "namespace", "resources"]);

// Kinds the namespace transformer leaves alone (cluster-scoped).
const clusterScoped = new Set([
  "Namespace",
  "ClusterRole",
  "ClusterRoleBinding",
  "CustomResourceDefinition",
  "IngressClass",
  "PersistentVolume",
  "PriorityClass",
  "StorageClass",
]);

const isYaml = (name: string) => name.endsWith(".yaml") || name.endsWith(".yml");

/** Builds the kustomize base in `dir`: its listed resources, with the kustomization's namespace applied. */
export function loadBundle(dir: string): Bundle {
  const kustomization = parseYaml(readFileSync(join(dir, "kustomization.yaml"), "utf8")) as Record<
    string,
    unknown
  >;
  const unsupported = Object.keys(kustomization).filter((field) => !supportedFields.has(field));
  if (unsupported.length > 0) {
    throw new KustomizationError(`kustomization.yaml uses fields this loader does not apply: ${unsupported}`);
  }
  const { namespace, resources } = kustomization;
  if (!Array.isArray(resources) || !resources.every((entry) => typeof entry === "string")) {
    throw new KustomizationError("kustomization.yaml: resources must be a list of file names");
  }
  const present = readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isFile() && isYaml(entry.name) && entry.name !== "kustomization.yaml")
    .map((entry) => entry.name)
    .sort();
  const texts: Record<string, string> = {};
  const manifests: Manifest[] = [];
  for (const file of resources as string[]) {
    if (!present.includes(file)) continue;
    const text = readFileSync(join(dir, file), "utf8");
    texts[file] = text;
    for (const object of parseManifests(file, text)) {
      if (typeof namespace === "string" && !clusterScoped.has(object.kind)) {
        object.metadata.namespace = namespace;
      }
      manifests.push({ file, object });
    }
  }
  return {
    listed: resources as string[],
    present,
    texts,
    manifests,
    examples: loadExamples(join(dir, "examples")),
  };
}

function loadExamples(dir: string): Manifest[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter(isYaml)
    .sort()
    .flatMap((file) =>
      parseManifests(file, readFileSync(join(dir, file), "utf8")).map((object) => ({
        file: `examples/${file}`,
        object,
      })),
    );
}

function parseManifests(file: string, text: string): KubeObject[] {
  return parseAllDocuments(text).flatMap((document, index) => {
    if (document.errors.length > 0) {
      throw new KustomizationError(`${file}: ${document.errors[0]?.message}`);
    }
    const object: unknown = document.toJS();
    if (object === null || object === undefined) return [];
    if (!isKubeObject(object)) {
      throw new KustomizationError(`${file}, document ${index + 1}: not a Kubernetes object`);
    }
    return [object];
  });
}

function isKubeObject(value: unknown): value is KubeObject {
  if (typeof value !== "object" || value === null) return false;
  const { apiVersion, kind, metadata } = value as Record<string, unknown>;
  return (
    typeof apiVersion === "string" &&
    typeof kind === "string" &&
    typeof metadata === "object" &&
    metadata !== null &&
    typeof (metadata as Record<string, unknown>).name === "string"
  );
}
