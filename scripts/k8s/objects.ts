import type { IContainer, IPodSpec, IPodTemplateSpec } from "kubernetes-models/v1";
import type { Bundle, KubeObject, Manifest } from "./bundle";

/** The names the base gives its parts; the checks find each part by them. */
export const names = {
  app: "switchboard",
  appConfig: "switchboard-config",
  litellm: "litellm",
  litellmConfig: "litellm-config",
  ollama: "ollama-7900xtx",
  ollamaStart: "ollama-7900xtx-start",
  postgres: "postgres",
  redis: "redis",
  secret: "switchboard-secrets",
} as const;

export type Labels = Record<string, string>;

const workloadKinds = new Set(["Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob"]);
export const batchKinds = new Set(["Job", "CronJob"]);

export type Workload = {
  kind: string;
  name: string;
  file: string;
  object: KubeObject;
  template: IPodTemplateSpec;
};

export function workloads(bundle: Bundle): Workload[] {
  return bundle.manifests.flatMap(({ file, object }) => {
    if (!workloadKinds.has(object.kind)) return [];
    const spec = (object.spec ?? {}) as Record<string, unknown>;
    const template = (
      object.kind === "CronJob"
        ? (spec.jobTemplate as { spec?: { template?: IPodTemplateSpec } } | undefined)?.spec?.template
        : spec.template
    ) as IPodTemplateSpec | undefined;
    return [{ kind: object.kind, name: object.metadata.name, file, object, template: template ?? {} }];
  });
}

/** "Kind/name", or "Kind/name container" for messages. */
export const nameOf = (workload: Workload, container?: { name: string }) =>
  `${workload.kind}/${workload.name}${container ? ` ${container.name}` : ""}`;

export const isLongRunning = (workload: Workload) => !batchKinds.has(workload.kind);

export function findWorkload(bundle: Bundle, name: string): Workload | undefined {
  return workloads(bundle).find((workload) => workload.name === name && isLongRunning(workload));
}

/** The long-running workload of that name and its (first) container. */
export function mainContainer(
  bundle: Bundle,
  name: string,
): { workload: Workload; container: IContainer } | undefined {
  const workload = findWorkload(bundle, name);
  const container = workload && podSpec(workload).containers[0];
  return workload && container ? { workload, container } : undefined;
}

/** The names of a StatefulSet's volumeClaimTemplates. */
export function claimNames(workload: Workload): string[] {
  const spec = workload.object.spec as { volumeClaimTemplates?: { metadata?: { name?: string } }[] };
  return (spec.volumeClaimTemplates ?? []).flatMap((claim) => claim.metadata?.name ?? []);
}

export const podLabels = (workload: Workload): Labels => workload.template.metadata?.labels ?? {};

export const podSpec = (workload: Workload): IPodSpec => workload.template.spec ?? { containers: [] };

/** Every container of the pod, init containers included. */
export function containersOf(workload: Workload): IContainer[] {
  const spec = podSpec(workload);
  return [...(spec.initContainers ?? []), ...(spec.containers ?? [])];
}

/** True when every label the selector names is on the pod with the same value (an empty selector matches nothing). */
export function selects(selector: Labels | undefined, labels: Labels): boolean {
  const entries = Object.entries(selector ?? {});
  return entries.length > 0 && entries.every(([key, value]) => labels[key] === value);
}

export function ofKind(bundle: Bundle, kind: string): Manifest[] {
  return bundle.manifests.filter(({ object }) => object.kind === kind);
}

export function find(bundle: Bundle, kind: string, name: string): KubeObject | undefined {
  return bundle.manifests.find(({ object }) => object.kind === kind && object.metadata.name === name)?.object;
}

export type ServicePort = { name?: string; port: number; targetPort?: number | string };
export type ServiceSpec = { selector?: Labels; ports?: ServicePort[]; clusterIP?: string };

export const serviceSpec = (service: KubeObject) => (service.spec ?? {}) as ServiceSpec;

/** The long-running workloads a Service sends traffic to. */
export function workloadsBehind(bundle: Bundle, service: KubeObject): Workload[] {
  const { selector } = serviceSpec(service);
  return workloads(bundle).filter(
    (workload) => isLongRunning(workload) && selects(selector, podLabels(workload)),
  );
}

export function configMapData(bundle: Bundle, name: string): Record<string, string> | undefined {
  return find(bundle, "ConfigMap", name)?.data as Record<string, string> | undefined;
}

/** Where one environment variable of a container gets its value. */
export type EnvSource =
  | { kind: "value"; value: string }
  | { kind: "secret"; secret: string; key: string }
  | { kind: "configMap"; configMap: string; key: string; value?: string }
  | { kind: "other" };

/** A container's environment as the kubelet builds it: envFrom first, env overriding it. */
export function containerEnv(bundle: Bundle, container: IContainer): Map<string, EnvSource> {
  const env = new Map<string, EnvSource>();
  for (const source of container.envFrom ?? []) {
    const name = source.configMapRef?.name;
    if (!name) continue;
    for (const [key, value] of Object.entries(configMapData(bundle, name) ?? {})) {
      env.set(`${source.prefix ?? ""}${key}`, { kind: "configMap", configMap: name, key, value });
    }
  }
  for (const variable of container.env ?? []) {
    const from = variable.valueFrom;
    if (from?.secretKeyRef) {
      env.set(variable.name, {
        kind: "secret",
        secret: from.secretKeyRef.name ?? "",
        key: from.secretKeyRef.key,
      });
    } else if (from?.configMapKeyRef) {
      const { name = "", key } = from.configMapKeyRef;
      env.set(variable.name, {
        kind: "configMap",
        configMap: name,
        key,
        value: configMapData(bundle, name)?.[key],
      });
    } else if (from) {
      env.set(variable.name, { kind: "other" });
    } else {
      env.set(variable.name, { kind: "value", value: variable.value ?? "" });
    }
  }
  return env;
}

/** The plain text value of a variable, when the manifests hold it. */
export function envValue(env: Map<string, EnvSource>, name: string): string | undefined {
  const source = env.get(name);
  if (source?.kind === "value") return source.value;
  if (source?.kind === "configMap") return source.value;
  return undefined;
}

/** The names of the ConfigMaps a pod reads, through env, envFrom or volumes. */
export function configMapsUsedBy(workload: Workload): string[] {
  const used = new Set<string>();
  for (const container of containersOf(workload)) {
    for (const source of container.envFrom ?? [])
      if (source.configMapRef?.name) used.add(source.configMapRef.name);
    for (const variable of container.env ?? []) {
      const name = variable.valueFrom?.configMapKeyRef?.name;
      if (name) used.add(name);
    }
  }
  for (const volume of podSpec(workload).volumes ?? []) {
    if (volume.configMap?.name) used.add(volume.configMap.name);
    for (const source of volume.projected?.sources ?? [])
      if (source.configMap?.name) used.add(source.configMap.name);
  }
  return [...used].sort();
}

/** The secrets a pod reads, as `secret/key` (or `secret/*` for a whole-Secret envFrom or volume). */
export function secretKeysUsedBy(workload: Workload): string[] {
  const used = new Set<string>();
  for (const container of containersOf(workload)) {
    for (const source of container.envFrom ?? [])
      if (source.secretRef?.name) used.add(`${source.secretRef.name}/*`);
    for (const variable of container.env ?? []) {
      const ref = variable.valueFrom?.secretKeyRef;
      if (ref) used.add(`${ref.name ?? ""}/${ref.key}`);
    }
  }
  for (const volume of podSpec(workload).volumes ?? []) {
    if (volume.secret?.secretName) used.add(`${volume.secret.secretName}/*`);
  }
  return [...used].sort();
}

export function probePath(probe: { httpGet?: { path?: string } } | undefined): string | undefined {
  return probe?.httpGet?.path;
}
