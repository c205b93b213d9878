import type { Bundle } from "../bundle";
import { checksumAnnotation, configChecksum } from "../checksum";
import {
  claimNames,
  configMapsUsedBy,
  containerEnv,
  containersOf,
  find,
  isLongRunning,
  mainContainer,
  nameOf,
  names,
  podSpec,
  workloads,
} from "../objects";

const units: Record<string, number> = {
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
};

/** A Kubernetes quantity ("250m", "1Gi", 2) as a number, or NaN. */
export function quantity(value: unknown): number {
  const match = /^(\d+(?:\.\d+)?)([a-zA-Z]*)$/.exec(String(value));
  if (!match) return Number.NaN;
  const unit = match[2] ?? "";
  return unit === "" ? Number(match[1]) : Number(match[1]) * (units[unit] ?? Number.NaN);
}

/**
 * Every container asks for CPU and memory and is limited in both, never asking for more than its limit;
 * every container of a long-running pod has a readiness and a liveness probe (a Job's one-shot container
 * has none: activeDeadlineSeconds bounds it).
 */
export function containersHaveProbesAndResources(bundle: Bundle): string[] {
  const problems: string[] = [];
  for (const workload of workloads(bundle)) {
    for (const container of containersOf(workload)) {
      const { requests = {}, limits = {} } = container.resources ?? {};
      for (const resource of ["cpu", "memory"]) {
        const request = quantity(requests[resource]);
        const limit = quantity(limits[resource]);
        if (Number.isNaN(request)) problems.push(`${nameOf(workload, container)}: no ${resource} request`);
        if (Number.isNaN(limit)) problems.push(`${nameOf(workload, container)}: no ${resource} limit`);
        if (request > limit)
          problems.push(`${nameOf(workload, container)}: ${resource} request above its limit`);
      }
    }
    if (!isLongRunning(workload)) continue;
    for (const container of podSpec(workload).containers ?? []) {
      if (!container.readinessProbe) problems.push(`${nameOf(workload, container)}: no readinessProbe`);
      if (!container.livenessProbe) problems.push(`${nameOf(workload, container)}: no livenessProbe`);
    }
  }
  return problems;
}

/** Every ConfigMap a pod reads is part of the base. */
export function configMapReferencesResolve(bundle: Bundle): string[] {
  return workloads(bundle).flatMap((workload) =>
    configMapsUsedBy(workload)
      .filter((name) => !find(bundle, "ConfigMap", name))
      .map((name) => `${nameOf(workload)}: reads ConfigMap/${name}, which the base does not define`),
  );
}

/** Each long-running pod that reads ConfigMaps carries their current checksum, so a config change rolls it. */
export function configChecksumsCurrent(bundle: Bundle): string[] {
  return workloads(bundle).flatMap((workload) => {
    const expected = configChecksum(bundle, workload);
    if (!isLongRunning(workload) || expected === undefined) return [];
    const actual = workload.template.metadata?.annotations?.[checksumAnnotation];
    return actual === expected
      ? []
      : [`${nameOf(workload)}: ${checksumAnnotation} is ${actual ?? "unset"}; run npm run k8s:checksums`];
  });
}

/** Postgres and Redis are StatefulSets keeping their data on a claimed volume, with a password from a Secret. */
export function storesPersistAndAuthenticate(bundle: Bundle): string[] {
  const stores = [
    { name: names.postgres, password: "POSTGRES_PASSWORD" },
    { name: names.redis, password: "REDIS_PASSWORD" },
  ];
  return stores.flatMap(({ name, password }) => {
    const main = mainContainer(bundle, name);
    if (!main) return [`no workload named ${name}`];
    const { workload, container } = main;
    const problems: string[] = [];
    if (workload.kind !== "StatefulSet") problems.push(`${nameOf(workload)}: not a StatefulSet`);
    const claims = claimNames(workload);
    if (!container.volumeMounts?.some((mount) => claims.includes(mount.name))) {
      problems.push(`${nameOf(workload)}: keeps no data on a volumeClaimTemplate`);
    }
    if (containerEnv(bundle, container).get(password)?.kind !== "secret") {
      problems.push(`${nameOf(workload)}: ${password} does not come from a Secret`);
    }
    const command = [...(container.command ?? []), ...(container.args ?? [])].join(" ");
    if (name === names.redis && !/requirepass\s+"?\$REDIS_PASSWORD/.test(command)) {
      problems.push(`${nameOf(workload)}: Redis does not require REDIS_PASSWORD`);
    }
    return problems;
  });
}
