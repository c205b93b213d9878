import type { Bundle, KubeObject } from "../bundle";
import {
  containersOf,
  find,
  isLongRunning,
  type Labels,
  nameOf,
  names,
  ofKind,
  podLabels,
  selects,
  serviceSpec,
  type Workload,
  workloads,
  workloadsBehind,
} from "../objects";

// Every workload carries these two labels with its own pair of values, and
// selectors name both: a selector on a shared label (part-of, or a name two
// workloads share) is how a Service ends up sending traffic to the wrong pods.
const identity = ["app.kubernetes.io/name", "app.kubernetes.io/component"];

function selectorProblems(bundle: Bundle, what: string, selector: Labels | undefined): string[] {
  const problems = identity
    .filter((key) => !selector?.[key])
    .map((key) => `${what}: selector does not name ${key}`);
  const matched = workloads(bundle).filter((workload) => selects(selector, podLabels(workload)));
  const running = matched.filter(isLongRunning);
  if (running.length !== 1) {
    const which = running.length === 0 ? "none" : running.map((workload) => nameOf(workload)).join(", ");
    problems.push(`${what}: selects the pods of ${running.length} workloads (${which}), not exactly one`);
  }
  for (const job of matched.filter((workload) => !isLongRunning(workload))) {
    problems.push(`${what}: selects the pods of ${nameOf(job)}`);
  }
  return problems;
}

/** Each Service and PodDisruptionBudget selects the pods of exactly one long-running workload, and no Job's. */
export function selectorsMatchOneWorkload(bundle: Bundle): string[] {
  const services = ofKind(bundle, "Service").flatMap(({ object }) =>
    selectorProblems(bundle, `Service/${object.metadata.name}`, serviceSpec(object).selector),
  );
  const budgets = ofKind(bundle, "PodDisruptionBudget").flatMap(({ object }) => {
    const selector = (object.spec as { selector?: { matchLabels?: Labels } } | undefined)?.selector;
    return selectorProblems(bundle, `PodDisruptionBudget/${object.metadata.name}`, selector?.matchLabels);
  });
  return [...services, ...budgets];
}

/** A workload's own selector matches its pod template (the API server refuses it otherwise). */
export function workloadSelectorsMatchTemplates(bundle: Bundle): string[] {
  return workloads(bundle).flatMap((workload) => {
    if (workload.kind === "Job" || workload.kind === "CronJob") return [];
    const selector = (workload.object.spec as { selector?: { matchLabels?: Labels } }).selector;
    if (selects(selector?.matchLabels, podLabels(workload))) return [];
    return [`${nameOf(workload)}: spec.selector.matchLabels does not match the pod template's labels`];
  });
}

/** The Service ollama-7900xtx exists on port 11434 and sends traffic to the ollama-7900xtx pods only. */
export function ollamaServiceSelectsOnlyOllama(bundle: Bundle): string[] {
  const service = find(bundle, "Service", names.ollama);
  if (!service) return [`no Service named ${names.ollama}`];
  const problems: string[] = [];
  const behind = workloadsBehind(bundle, service).map((workload) => nameOf(workload));
  if (behind.length !== 1 || !behind[0]?.endsWith(`/${names.ollama}`)) {
    problems.push(
      `Service/${names.ollama} selects [${behind.join(", ")}], not only the ${names.ollama} pods`,
    );
  }
  if (!serviceSpec(service).ports?.some((port) => port.port === 11434)) {
    problems.push(`Service/${names.ollama} does not listen on 11434`);
  }
  return problems;
}

function namedPorts(workload: Workload): Set<string> {
  return new Set(
    containersOf(workload).flatMap((container) => (container.ports ?? []).flatMap((port) => port.name ?? [])),
  );
}

/** Service targetPorts and HTTP probe ports name ports the containers declare. */
export function portsNameContainerPorts(bundle: Bundle): string[] {
  const problems: string[] = [];
  for (const { object } of ofKind(bundle, "Service")) {
    const behind = workloadsBehind(bundle, object);
    for (const port of serviceSpec(object).ports ?? []) {
      const target = port.targetPort;
      if (typeof target !== "string") {
        problems.push(
          `Service/${object.metadata.name} port ${port.port}: targetPort must name a container port`,
        );
        continue;
      }
      for (const workload of behind.filter((each) => !namedPorts(each).has(target))) {
        problems.push(`Service/${object.metadata.name}: ${nameOf(workload)} has no port named ${target}`);
      }
    }
  }
  for (const workload of workloads(bundle)) {
    const ports = namedPorts(workload);
    for (const container of containersOf(workload)) {
      for (const kind of ["startupProbe", "readinessProbe", "livenessProbe"] as const) {
        const port = container[kind]?.httpGet?.port;
        if (typeof port === "string" && !ports.has(port)) {
          problems.push(`${nameOf(workload)} ${container.name} ${kind}: no container port named ${port}`);
        }
      }
    }
  }
  return problems;
}

/** Each StatefulSet's serviceName is a Service that selects its pods. */
export function statefulSetsHaveServices(bundle: Bundle): string[] {
  return workloads(bundle).flatMap((workload) => {
    if (workload.kind !== "StatefulSet") return [];
    const serviceName = (workload.object.spec as { serviceName?: string }).serviceName ?? "";
    const service = find(bundle, "Service", serviceName);
    if (service && selects(serviceSpec(service).selector, podLabels(workload))) return [];
    return [`${nameOf(workload)}: serviceName "${serviceName}" is not a Service selecting its pods`];
  });
}

type IngressSpec = {
  ingressClassName?: string;
  rules?: {
    http?: {
      paths?: { backend?: { service?: { name?: string; port?: { name?: string; number?: number } } } }[];
    };
  }[];
};

/** The Ingress is ingress-nginx's, keeps a browser on one replica and lets WebSockets live an hour. */
export function ingressKeepsSocketsOnOneReplica(bundle: Bundle): string[] {
  const ingresses = ofKind(bundle, "Ingress");
  if (ingresses.length === 0) return ["no Ingress"];
  return ingresses.flatMap(({ object }) => ingressProblems(bundle, object));
}

function ingressProblems(bundle: Bundle, ingress: KubeObject): string[] {
  const what = `Ingress/${ingress.metadata.name}`;
  const annotations = ingress.metadata.annotations ?? {};
  const spec = (ingress.spec ?? {}) as IngressSpec;
  const problems: string[] = [];
  if (spec.ingressClassName !== "nginx") problems.push(`${what}: ingressClassName is not nginx`);
  if (annotations["nginx.ingress.kubernetes.io/affinity"] !== "cookie") {
    problems.push(`${what}: nginx.ingress.kubernetes.io/affinity is not "cookie"`);
  }
  for (const timeout of ["proxy-read-timeout", "proxy-send-timeout"]) {
    const value = annotations[`nginx.ingress.kubernetes.io/${timeout}`];
    if (!(Number(value) >= 3600)) problems.push(`${what}: ${timeout} is ${value ?? "unset"}, below 3600`);
  }
  const backends = (spec.rules ?? []).flatMap((rule) => rule.http?.paths ?? []).map((path) => path.backend);
  for (const backend of backends) {
    const service = find(bundle, "Service", backend?.service?.name ?? "");
    const port = backend?.service?.port;
    const served = serviceSpec(service ?? ingress).ports?.some(
      (each) => (port?.name !== undefined && each.name === port.name) || each.port === port?.number,
    );
    if (!service || !served) {
      problems.push(
        `${what}: backend ${backend?.service?.name}:${port?.name ?? port?.number} is no Service port`,
      );
    } else if (!workloadsBehind(bundle, service).some((workload) => workload.name === names.app)) {
      problems.push(`${what}: backend Service/${service.metadata.name} does not reach the app`);
    }
  }
  if (backends.length === 0) problems.push(`${what}: routes nowhere`);
  return problems;
}
