import { DaemonSet } from "kubernetes-models/apps/v1/DaemonSet";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { StatefulSet } from "kubernetes-models/apps/v1/StatefulSet";
import { CronJob } from "kubernetes-models/batch/v1/CronJob";
import { Job } from "kubernetes-models/batch/v1/Job";
import { Ingress } from "kubernetes-models/networking.k8s.io/v1/Ingress";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { Namespace } from "kubernetes-models/v1/Namespace";
import { PersistentVolumeClaim } from "kubernetes-models/v1/PersistentVolumeClaim";
import { Secret } from "kubernetes-models/v1/Secret";
import { Service } from "kubernetes-models/v1/Service";
import { ServiceAccount } from "kubernetes-models/v1/ServiceAccount";
import type { Bundle, KubeObject } from "../bundle";
import { containersOf, workloads } from "../objects";

/** kustomization.yaml lists every manifest of the folder, each once, and only files that exist. */
export function kustomizationListsEveryFile(bundle: Bundle): string[] {
  const problems = bundle.present
    .filter((file) => !bundle.listed.includes(file))
    .map((file) => `${file} is not listed in kustomization.yaml resources`);
  for (const file of bundle.listed) {
    if (!bundle.present.includes(file))
      problems.push(`kustomization.yaml lists ${file}, which does not exist`);
  }
  const repeated = bundle.listed.filter((file, index) => bundle.listed.indexOf(file) !== index);
  for (const file of new Set(repeated)) problems.push(`kustomization.yaml lists ${file} more than once`);
  return problems;
}

type ModelClass = new (data: never) => { validate(): void; toJSON(): unknown };

const models: Record<string, ModelClass> = Object.fromEntries(
  [
    Namespace,
    ConfigMap,
    Secret,
    Service,
    ServiceAccount,
    PersistentVolumeClaim,
    Deployment,
    StatefulSet,
    DaemonSet,
    Job,
    CronJob,
    Ingress,
    NetworkPolicy,
    PodDisruptionBudget,
  ].map((model) => [`${model.apiVersion}/${model.kind}`, model as unknown as ModelClass]),
);

/**
 * Every object, the examples' included, validates against the Kubernetes OpenAPI schema (kubernetes-models) and has no field the
 * schema does not define: kubectl rejects unknown fields (strict field validation), while the generated
 * validators accept them.
 */
export function manifestsMatchSchemas(bundle: Bundle): string[] {
  return [...bundle.manifests, ...bundle.examples].flatMap(({ file, object }) => {
    const label = `${file} ${object.kind}/${object.metadata.name}`;
    const Model = models[`${object.apiVersion}/${object.kind}`];
    if (!Model) return [`${label}: no schema for ${object.apiVersion} ${object.kind}`];
    return validateStrictly(Model, object).map((problem) => `${label}: ${problem}`);
  });
}

type Reads = { path: string; keys: Set<string>; enumerated: boolean };

function validateStrictly(Model: ModelClass, object: KubeObject): string[] {
  const model = new Model(object as never);
  const reads = new Map<object, Reads>();
  // The generated validator reads each property its schema defines and enumerates the keys of maps
  // (labels, resources); a property it never read is one the schema does not know.
  const tracked = track(model.toJSON(), "", reads);
  try {
    model.validate.call(tracked);
  } catch (error) {
    return [(error as Error).message];
  }
  const problems: string[] = [];
  for (const [value, read] of reads) {
    if (Array.isArray(value) || read.enumerated) continue;
    for (const key of Object.keys(value)) {
      if (!read.keys.has(key)) problems.push(`unknown field ${read.path}/${key}`);
    }
  }
  return problems;
}

function track(value: unknown, path: string, reads: Map<object, Reads>): unknown {
  if (value === null || typeof value !== "object") return value;
  const read: Reads = { path, keys: new Set(), enumerated: false };
  reads.set(value, read);
  return new Proxy(value, {
    get(target, key, receiver) {
      const property: unknown = Reflect.get(target, key, receiver);
      if (typeof key !== "string") return property;
      read.keys.add(key);
      return Object.hasOwn(target, key) ? track(property, `${path}/${key}`, reads) : property;
    },
    has(target, key) {
      if (typeof key === "string") read.keys.add(key);
      return Reflect.has(target, key);
    },
    ownKeys(target) {
      read.enumerated = true;
      return Reflect.ownKeys(target);
    },
  });
}

/** Every image names a version: no bare name and no `latest`. */
export function imagesArePinned(bundle: Bundle): string[] {
  return workloads(bundle).flatMap((workload) =>
    containersOf(workload).flatMap(({ name, image = "" }) => {
      if (image.includes("@sha256:")) return [];
      const tag = /:([^:/]+)$/.exec(image)?.[1];
      return tag && tag !== "latest"
        ? []
        : [
            `${workload.kind}/${workload.name} container ${name}: image "${image}" is not pinned to a version`,
          ];
    }),
  );
}
