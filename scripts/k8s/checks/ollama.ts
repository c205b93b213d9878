import type { Bundle } from "../bundle";
import {
  claimNames,
  configMapData,
  containerEnv,
  containersOf,
  envValue,
  mainContainer,
  names,
  ofKind,
  podSpec,
  probePath,
  workloads,
} from "../objects";
import { ollamaModelsRouted, readLiteLLMConfig } from "./litellm";

/** The node label of the 7900 XTX pool (README: "Deploying to Kubernetes"). */
export const gpuNodeLabel = { key: "switchboard.dev/gpu", value: "rx-7900-xtx" } as const;

const modelsDir = "/root/.ollama";

/** The models ollama-7900xtx pulls at start, one per line in its start ConfigMap. */
export function ollamaModelsPulled(bundle: Bundle): string[] {
  const list = configMapData(bundle, names.ollamaStart)?.models ?? "";
  return list
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"));
}

/** ROCm image pinned to a version, one AMD GPU, the 7900 XTX node pool, models on a volume, keep-alive and probes. */
export function ollamaOnRocmGpu(bundle: Bundle): string[] {
  const main = mainContainer(bundle, names.ollama);
  if (!main) return [`no workload named ${names.ollama}`];
  const { workload, container } = main;
  const what = `${workload.kind}/${workload.name}`;
  const problems: string[] = [];
  if (!/^(docker\.io\/)?ollama\/ollama:\d+\.\d+\.\d+-rocm$/.test(container.image ?? "")) {
    problems.push(`${what}: image ${container.image} is not ollama/ollama:<version>-rocm`);
  }
  if (String(container.resources?.limits?.["amd.com/gpu"]) !== "1")
    problems.push(`${what}: limits amd.com/gpu is not 1`);
  if (podSpec(workload).nodeSelector?.[gpuNodeLabel.key] !== gpuNodeLabel.value) {
    problems.push(`${what}: nodeSelector ${gpuNodeLabel.key}: ${gpuNodeLabel.value} is missing`);
  }
  const claims = claimNames(workload);
  const mount = container.volumeMounts?.find((each) => each.mountPath === modelsDir);
  const persistent =
    mount &&
    (claims.includes(mount.name) ||
      podSpec(workload).volumes?.some(
        (volume) => volume.name === mount.name && volume.persistentVolumeClaim,
      ));
  if (!persistent) problems.push(`${what}: ${modelsDir} is not on a persistent volume`);
  if (!envValue(containerEnv(bundle, container), "OLLAMA_KEEP_ALIVE"))
    problems.push(`${what}: OLLAMA_KEEP_ALIVE is not set`);
  if (probePath(container.livenessProbe) !== "/") problems.push(`${what}: livenessProbe is not GET /`);
  if (probePath(container.readinessProbe) !== "/api/tags")
    problems.push(`${what}: readinessProbe is not GET /api/tags`);
  const script = configMapData(bundle, names.ollamaStart)?.["start.sh"] ?? "";
  const runsScript = [...(container.command ?? []), ...(container.args ?? [])].some((part) =>
    part.endsWith("/start.sh"),
  );
  const mountsScript = podSpec(workload).volumes?.some(
    (volume) => volume.configMap?.name === names.ollamaStart,
  );
  if (!runsScript || !mountsScript || !/ollama pull/.test(script) || !/exec ollama serve/.test(script)) {
    problems.push(
      `${what}: does not serve and pull its models at start (start.sh from ConfigMap/${names.ollamaStart})`,
    );
  }
  return problems;
}

/** Ollama pulls exactly the models LiteLLM routes to: none missing (a 404 at the first request), none unused. */
export function ollamaPullsEveryModel(bundle: Bundle): string[] {
  const { config } = readLiteLLMConfig(bundle);
  if (!config) return [];
  const routed = ollamaModelsRouted(config);
  const pulled = ollamaModelsPulled(bundle);
  return [
    ...routed
      .filter((model) => !pulled.includes(model))
      .map((model) => `LiteLLM routes to ${model}, which Ollama does not pull`),
    ...pulled
      .filter((model) => !routed.includes(model))
      .map((model) => `Ollama pulls ${model}, which LiteLLM does not route to`),
  ];
}

/** HSA_OVERRIDE_GFX_VERSION appears nowhere: the 7900 XTX (gfx1100) needs no override, and a wrong one breaks ROCm. */
export function noGfxOverride(bundle: Bundle): string[] {
  const variable = "HSA_OVERRIDE_GFX_VERSION";
  const inEnv = workloads(bundle).flatMap((workload) =>
    containersOf(workload)
      .filter((container) => containerEnv(bundle, container).has(variable))
      .map((container) => `${workload.kind}/${workload.name} ${container.name}: sets ${variable}`),
  );
  const inCommands = workloads(bundle).flatMap((workload) =>
    containersOf(workload)
      .filter((container) =>
        [...(container.command ?? []), ...(container.args ?? [])].join(" ").includes(variable),
      )
      .map(
        (container) => `${workload.kind}/${workload.name} ${container.name}: its command sets ${variable}`,
      ),
  );
  const inConfigMaps = ofKind(bundle, "ConfigMap").flatMap(({ object }) =>
    Object.entries((object.data ?? {}) as Record<string, string>)
      .filter(([, value]) => value.includes(variable))
      .map(([key]) => `ConfigMap/${object.metadata.name} ${key}: sets ${variable}`),
  );
  return [...inEnv, ...inCommands, ...inConfigMaps];
}
