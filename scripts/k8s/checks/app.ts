import type { IContainer } from "kubernetes-models/v1";
import type { Bundle } from "../bundle";
import {
  containerEnv,
  containersOf,
  envValue,
  find,
  mainContainer,
  names,
  ofKind,
  podLabels,
  podSpec,
  probePath,
  selects,
  serviceSpec,
  workloads,
  workloadsBehind,
} from "../objects";

export const appContainer = (bundle: Bundle) => mainContainer(bundle, names.app);

const defaultPorts: Record<string, number> = {
  "http:": 80,
  "https:": 443,
  "postgres:": 5432,
  "redis:": 6379,
};

/** Where a URL in the app's environment leads: the workloads behind the Service it names, and the container port. */
export function resolveServiceUrl(bundle: Bundle, value: string) {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return { error: `"${value}" is not a URL` };
  }
  const serviceName = url.hostname.split(".")[0] ?? "";
  const service = find(bundle, "Service", serviceName);
  if (!service) return { error: `${url.hostname} is no Service of the base` };
  const port = url.port ? Number(url.port) : defaultPorts[url.protocol];
  const servicePort = serviceSpec(service).ports?.find((each) => each.port === port);
  if (!servicePort) return { error: `Service/${serviceName} has no port ${port}` };
  const behind = workloadsBehind(bundle, service);
  const containerPort = behind
    .flatMap(containersOf)
    .flatMap((container) => container.ports ?? [])
    .find((each) => each.name === servicePort.targetPort || each.containerPort === servicePort.targetPort);
  return { url, behind, containerPort: containerPort?.containerPort };
}

const upstreams = [
  { variable: "LLM_BASE_URL", workload: names.litellm, containerPort: 4000, path: "/v1" },
  { variable: "DATABASE_URL", workload: names.postgres, containerPort: 5432 },
  { variable: "REDIS_URL", workload: names.redis, containerPort: 6379 },
];

/** LLM_BASE_URL, DATABASE_URL and REDIS_URL name Services that lead to LiteLLM, Postgres and Redis. */
export function appWiredToServices(bundle: Bundle): string[] {
  const app = appContainer(bundle);
  if (!app) return [`no Deployment named ${names.app}`];
  const env = containerEnv(bundle, app.container);
  return upstreams.flatMap(({ variable, workload, containerPort, path }) => {
    const value = envValue(env, variable);
    if (value === undefined) return [`app: ${variable} is not set in the manifests`];
    const target = resolveServiceUrl(bundle, value);
    if (target.error !== undefined) return [`app: ${variable}: ${target.error}`];
    const problems: string[] = [];
    const behind = target.behind.map((each) => each.name);
    if (behind.length !== 1 || behind[0] !== workload) {
      problems.push(`app: ${variable} leads to [${behind.join(", ")}], not ${workload}`);
    } else if (target.containerPort !== containerPort) {
      problems.push(`app: ${variable} reaches container port ${target.containerPort}, not ${containerPort}`);
    }
    if (path !== undefined && target.url.pathname.replace(/\/$/, "") !== path) {
      problems.push(`app: ${variable} must end in ${path} (the OpenAI-compatible API)`);
    }
    return problems;
  });
}

function preStopSeconds(container: IContainer): number | undefined {
  const command = container.lifecycle?.preStop?.exec?.command ?? [];
  const sleep = command.join(" ").match(/\bsleep\s+(\d+)/);
  return sleep ? Number(sleep[1]) : undefined;
}

/** Readiness on /api/ready, liveness on /api/health, a preStop pause, and a grace period covering the drain. */
export function appDrainsGracefully(bundle: Bundle): string[] {
  const app = appContainer(bundle);
  if (!app) return [`no Deployment named ${names.app}`];
  const { container, workload } = app;
  const problems: string[] = [];
  if (probePath(container.readinessProbe) !== "/api/ready")
    problems.push("app: readinessProbe is not GET /api/ready");
  if (probePath(container.livenessProbe) !== "/api/health")
    problems.push("app: livenessProbe is not GET /api/health");
  const pause = preStopSeconds(container);
  if (pause === undefined)
    problems.push("app: no preStop sleep to let endpoints drop the pod before SIGTERM");
  const graceMs = Number(envValue(containerEnv(bundle, container), "SHUTDOWN_GRACE_MS") ?? 10_000);
  const needed = (pause ?? 0) + Math.ceil(graceMs / 1000) + 5;
  const period = podSpec(workload).terminationGracePeriodSeconds ?? 30;
  if (period < needed) {
    problems.push(
      `app: terminationGracePeriodSeconds ${period} is below preStop ${pause ?? 0} s + SHUTDOWN_GRACE_MS ` +
        `${graceMs} ms + 5 s to close (${needed})`,
    );
  }
  return problems;
}

/** Two or more replicas, a disruption budget that lets drains proceed, and one session secret for all. */
export function appScalesOut(bundle: Bundle): string[] {
  const app = appContainer(bundle);
  if (!app) return [`no Deployment named ${names.app}`];
  const problems: string[] = [];
  const replicas = (app.workload.object.spec as { replicas?: number }).replicas ?? 1;
  if (replicas < 2) problems.push(`app: ${replicas} replica(s); run two or more`);
  const env = containerEnv(bundle, app.container);
  if (env.get("SESSION_SECRET")?.kind !== "secret") {
    problems.push("app: SESSION_SECRET must come from a Secret, or each replica signs cookies with its own");
  }
  if (!(app.container.envFrom ?? []).some((source) => source.configMapRef?.name === names.appConfig)) {
    problems.push(`app: configuration does not come from ConfigMap/${names.appConfig}`);
  }
  const budgets = ofKind(bundle, "PodDisruptionBudget").filter(({ object }) => {
    const selector = (object.spec as { selector?: { matchLabels?: Record<string, string> } }).selector;
    return selects(selector?.matchLabels, podLabels(app.workload));
  });
  if (budgets.length === 0) problems.push("app: no PodDisruptionBudget covers it");
  for (const { object } of budgets) {
    const { minAvailable, maxUnavailable } = object.spec as {
      minAvailable?: number;
      maxUnavailable?: number;
    };
    if (typeof minAvailable === "number" ? minAvailable >= replicas : !(Number(maxUnavailable) >= 1)) {
      problems.push(`PodDisruptionBudget/${object.metadata.name} allows no voluntary disruption`);
    }
  }
  return problems;
}

/** Prometheus finds /metrics on the app's pods through the usual scrape annotations. */
export function appExposesMetrics(bundle: Bundle): string[] {
  const app = appContainer(bundle);
  if (!app) return [`no Deployment named ${names.app}`];
  const annotations = app.workload.template.metadata?.annotations ?? {};
  const port = Number(annotations["prometheus.io/port"]);
  const problems: string[] = [];
  if (annotations["prometheus.io/scrape"] !== "true")
    problems.push('app: prometheus.io/scrape is not "true"');
  if (annotations["prometheus.io/path"] !== "/metrics")
    problems.push("app: prometheus.io/path is not /metrics");
  if (!app.container.ports?.some((each) => each.containerPort === port)) {
    problems.push(`app: prometheus.io/port ${annotations["prometheus.io/port"]} is no container port`);
  }
  return problems;
}

/** A Job runs the migrations with the app's image and the app's DATABASE_URL. */
export function migrationJobMatchesApp(bundle: Bundle): string[] {
  const app = appContainer(bundle);
  if (!app) return [`no Deployment named ${names.app}`];
  const jobs = workloads(bundle).filter((workload) => workload.kind === "Job");
  const migrations = jobs.flatMap((job) =>
    containersOf(job).filter((container) =>
      [...(container.command ?? []), ...(container.args ?? [])].some((part) => /migrate/.test(part)),
    ),
  );
  if (migrations.length !== 1) return [`${migrations.length} Job containers run migrations, not exactly one`];
  const [migration] = migrations as [IContainer];
  const problems: string[] = [];
  if (migration.image !== app.container.image) {
    problems.push(`migration Job: image ${migration.image} is not the app's ${app.container.image}`);
  }
  const appEnv = containerEnv(bundle, app.container);
  const jobEnv = containerEnv(bundle, migration);
  for (const name of ["DATABASE_URL", "POSTGRES_PASSWORD"]) {
    if (JSON.stringify(jobEnv.get(name)) !== JSON.stringify(appEnv.get(name))) {
      problems.push(`migration Job: ${name} differs from the app's`);
    }
  }
  return problems;
}
