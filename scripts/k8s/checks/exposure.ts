import type { IContainer } from "kubernetes-models/v1";
import type { Bundle, KubeObject } from "../bundle";
import { containerEnv, envValue, find, names, ofKind, serviceSpec, workloadsBehind } from "../objects";
import { appContainer } from "./app";

// What the Ingress lets the world reach, and what the app must know about the
// proxy in front of it.

type Backend = { service?: { name?: string; port?: { name?: string; number?: number } } };
type IngressSpec = { rules?: { host?: string; http?: { paths?: { backend?: Backend }[] } }[] };

const ingressSpec = (ingress: KubeObject) => (ingress.spec ?? {}) as IngressSpec;

/** The Ingresses of the base that route to a Service. */
function ingressesOf(bundle: Bundle) {
  return ofKind(bundle, "Ingress").map(({ object }) => ({
    what: `Ingress/${object.metadata.name}`,
    object,
    backends: (ingressSpec(object).rules ?? [])
      .flatMap((rule) => rule.http?.paths ?? [])
      .flatMap((path) => path.backend?.service ?? []),
  }));
}

/** A container port given by name or number, as a number. */
function portNumber(container: IContainer, port: number | string | undefined): number | undefined {
  if (typeof port === "number") return port;
  return container.ports?.find((each) => each.name === port)?.containerPort;
}

/**
 * /metrics has a port of its own: METRICS_PORT, declared as the app container's port named metrics and
 * named by the prometheus.io/port annotation, apart from the http port that pages and sockets use.
 */
export function metricsOnTheirOwnPort(bundle: Bundle): string[] {
  const app = appContainer(bundle);
  if (!app) return [`no Deployment named ${names.app}`];
  const configured = envValue(containerEnv(bundle, app.container), "METRICS_PORT");
  if (configured === undefined) {
    return ["app: METRICS_PORT is not set, so /metrics answers on the port the Ingress routes to"];
  }
  const port = Number(configured);
  const problems: string[] = [];
  const declared = portNumber(app.container, "metrics");
  if (declared !== port) {
    problems.push(`app: METRICS_PORT ${configured} is not the container port named metrics (${declared})`);
  }
  const annotation = app.workload.template.metadata?.annotations?.["prometheus.io/port"];
  if (Number(annotation) !== port) {
    problems.push(`app: prometheus.io/port ${annotation} is not METRICS_PORT ${configured}`);
  }
  if (port === portNumber(app.container, "http")) {
    problems.push(`app: METRICS_PORT ${configured} is the http port itself`);
  }
  return problems;
}

/**
 * The Ingress reaches the app's http port only, and the Services it routes to have no port leading to
 * the metrics port: /metrics is for whoever can reach a pod's address, never for the Internet.
 */
export function metricsNotBehindIngress(bundle: Bundle): string[] {
  const app = appContainer(bundle);
  if (!app) return [`no Deployment named ${names.app}`];
  const configured = envValue(containerEnv(bundle, app.container), "METRICS_PORT");
  const metrics = new Set(
    [portNumber(app.container, "metrics"), configured === undefined ? undefined : Number(configured)].filter(
      (port) => port !== undefined,
    ),
  );
  const http = portNumber(app.container, "http");
  // Only Services in front of the app: ingressKeepsSocketsOnOneReplica reports a backend that is not.
  const toApp = (name: string | undefined) => {
    const service = find(bundle, "Service", name ?? "");
    const reaches = service && workloadsBehind(bundle, service).some((each) => each.name === names.app);
    return reaches ? (serviceSpec(service).ports ?? []) : undefined;
  };
  const problems: string[] = [];
  for (const { what, backends } of ingressesOf(bundle)) {
    for (const name of new Set(backends.map((backend) => backend.name))) {
      for (const port of toApp(name) ?? []) {
        const target = portNumber(app.container, port.targetPort ?? port.port);
        if (target !== undefined && metrics.has(target)) {
          problems.push(`${what}: Service/${name} port ${port.port} leads to the metrics port ${target}`);
        }
      }
    }
    for (const backend of backends) {
      const port = toApp(backend.name)?.find(
        (each) =>
          (backend.port?.name !== undefined && each.name === backend.port.name) ||
          each.port === backend.port?.number,
      );
      const target = port && portNumber(app.container, port.targetPort ?? port.port);
      if (port && target !== http) {
        problems.push(`${what}: backend ${backend.name}:${port.port} leads to port ${target}, not http`);
      }
    }
  }
  return problems;
}

// nginx sizes: a number of bytes, or of k, m or g (1024-based).
const nginxSize = /^(\d+)([kKmMgG]?)$/;

/** Each Ingress caps request bodies (proxy-body-size) at a size, never 0, which nginx reads as unlimited. */
export function ingressLimitsRequestBodies(bundle: Bundle): string[] {
  return ingressesOf(bundle).flatMap(({ what, object }) => {
    const value = object.metadata.annotations?.["nginx.ingress.kubernetes.io/proxy-body-size"];
    if (value === undefined) return [`${what}: no proxy-body-size; the controller's default applies`];
    const size = nginxSize.exec(value);
    if (!size) return [`${what}: proxy-body-size "${value}" is not an nginx size`];
    return Number(size[1]) === 0 ? [`${what}: proxy-body-size 0 lets bodies of any size through`] : [];
  });
}

/**
 * The app trusts exactly one proxy's X-Forwarded-For entry (TRUST_PROXY "1"): ingress-nginx's. With 0
 * every client shares the controller's address and its per-address limits; with more, a client picks
 * its own address by sending the header.
 */
export function appTrustsOneProxy(bundle: Bundle): string[] {
  const app = appContainer(bundle);
  if (!app) return [`no Deployment named ${names.app}`];
  const value = envValue(containerEnv(bundle, app.container), "TRUST_PROXY");
  return value === "1" ? [] : [`app: TRUST_PROXY is ${value ?? "unset"}; behind ingress-nginx it is 1`];
}

/** PUBLIC_URL is the https origin of an Ingress host: the one origin whose writes and sockets the app takes. */
export function publicUrlMatchesIngress(bundle: Bundle): string[] {
  const app = appContainer(bundle);
  if (!app) return [`no Deployment named ${names.app}`];
  const value = envValue(containerEnv(bundle, app.container), "PUBLIC_URL");
  if (value === undefined) return ["app: PUBLIC_URL is not set"];
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return [`app: PUBLIC_URL "${value}" is not a URL`];
  }
  const problems: string[] = [];
  if (url.protocol !== "https:") problems.push(`app: PUBLIC_URL ${value} is not https`);
  if (url.origin !== value.replace(/\/$/, "")) problems.push(`app: PUBLIC_URL ${value} is not an origin`);
  const hosts = ingressesOf(bundle).flatMap(({ object }) =>
    (ingressSpec(object).rules ?? []).flatMap((rule) => rule.host ?? []),
  );
  if (!hosts.includes(url.hostname)) {
    problems.push(`app: PUBLIC_URL ${value} is not on an Ingress host (${hosts.join(", ")})`);
  }
  return problems;
}
