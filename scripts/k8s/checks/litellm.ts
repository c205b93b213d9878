import { parse as parseYaml } from "yaml";
import type { Bundle } from "../bundle";
import { configMapData, containerEnv, envValue, mainContainer, names, podSpec, probePath } from "../objects";
import { appContainer, resolveServiceUrl } from "./app";

export type LiteLLMModel = { model_name?: unknown; litellm_params?: { model?: unknown; api_base?: unknown } };

export type LiteLLMConfig = {
  model_list: LiteLLMModel[];
  litellm_settings?: Record<string, unknown>;
  router_settings?: Record<string, unknown>;
  general_settings?: Record<string, unknown>;
};

/** LiteLLM's config.yaml from its ConfigMap, or why it cannot be read. */
export function readLiteLLMConfig(bundle: Bundle): { config?: LiteLLMConfig; error?: string } {
  const text = configMapData(bundle, names.litellmConfig)?.["config.yaml"];
  if (text === undefined) return { error: `ConfigMap/${names.litellmConfig} has no config.yaml` };
  try {
    const config = parseYaml(text) as LiteLLMConfig | null;
    if (!Array.isArray(config?.model_list) || config.model_list.length === 0) {
      return { error: "config.yaml has no model_list" };
    }
    return { config };
  } catch (error) {
    return { error: `config.yaml does not parse: ${(error as Error).message}` };
  }
}

/** The other LiteLLM checks read the config through this; they stay silent when it does not parse. */
const withConfig = (check: (config: LiteLLMConfig, bundle: Bundle) => string[]) => (bundle: Bundle) => {
  const { config } = readLiteLLMConfig(bundle);
  return config ? check(config, bundle) : [];
};

/** config.yaml parses and lists models. */
export function liteLLMConfigParses(bundle: Bundle): string[] {
  const { error } = readLiteLLMConfig(bundle);
  return error ? [error] : [];
}

/** Names of the Ollama models LiteLLM routes to (`ollama_chat/<name>`). */
export function ollamaModelsRouted(config: LiteLLMConfig): string[] {
  return config.model_list.flatMap(({ litellm_params: params }) =>
    typeof params?.model === "string" && params.model.startsWith("ollama_chat/")
      ? [params.model.slice("ollama_chat/".length)]
      : [],
  );
}

/** Every model is `ollama_chat/<name>` at the Ollama Service's bare address: no /v1, no other path. */
export const liteLLMRoutesToOllamaChat = withConfig((config, bundle) =>
  config.model_list.flatMap(({ model_name: name, litellm_params: params }) => {
    const what = `LiteLLM model ${String(name)}`;
    const problems: string[] = [];
    if (typeof params?.model !== "string" || !/^ollama_chat\/[^/]+$/.test(params.model)) {
      problems.push(`${what}: model ${String(params?.model)} is not ollama_chat/<name>`);
    }
    const base = String(params?.api_base ?? "");
    const target = resolveServiceUrl(bundle, base);
    if ("error" in target) {
      problems.push(`${what}: api_base ${target.error}`);
      return problems;
    }
    if (target.url.pathname !== "/" || base.endsWith("/")) {
      problems.push(`${what}: api_base ${base} must be the bare Ollama address (no /v1, no path)`);
    }
    if (target.url.port !== "11434" || target.behind.map((each) => each.name).join() !== names.ollama) {
      problems.push(`${what}: api_base ${base} does not lead to the ${names.ollama} pods on 11434`);
    }
    return problems;
  }),
);

/** No two entries share a model_name (LiteLLM would load-balance between them). */
export const liteLLMModelNamesUnique = withConfig((config) => {
  const seen = config.model_list.map(({ model_name: name }) => String(name));
  return [...new Set(seen.filter((name, index) => seen.indexOf(name) !== index))].map(
    (name) => `LiteLLM model_name ${name} appears more than once`,
  );
});

/** The app's LLM_MODEL is a model_name LiteLLM serves. */
export const appDefaultModelServed = withConfig((config, bundle) => {
  const app = appContainer(bundle);
  const model = app && envValue(containerEnv(bundle, app.container), "LLM_MODEL");
  if (!model) return ["app: LLM_MODEL is not set in the manifests"];
  const served = config.model_list.map(({ model_name: name }) => name);
  return served.includes(model) ? [] : [`app: LLM_MODEL ${model} is not a model_name in LiteLLM's config`];
});

const positive = (value: unknown) => typeof value === "number" && value > 0;

/**
 * Retries and timeouts are set, and cooldowns cannot turn a failing backend into a wall of 429s: a model
 * group with one deployment has nowhere else to go, so its cooldowns must be off; otherwise they are short.
 */
export const liteLLMResilient = withConfig((config) => {
  const router = config.router_settings ?? {};
  const settings = config.litellm_settings ?? {};
  const problems: string[] = [];
  const retries = router.num_retries ?? settings.num_retries;
  if (!(typeof retries === "number" && retries >= 1 && retries <= 5)) {
    problems.push(`LiteLLM num_retries is ${String(retries)}, not 1 to 5`);
  }
  if (!positive(router.timeout) && !positive(settings.request_timeout)) {
    problems.push(
      "LiteLLM sets no request timeout (router_settings.timeout or litellm_settings.request_timeout)",
    );
  }
  const groups = config.model_list.map(({ model_name: name }) => name);
  const single = groups.some((name) => groups.filter((each) => each === name).length === 1);
  if (single && router.disable_cooldowns !== true) {
    problems.push("LiteLLM: a model group with one deployment needs router_settings.disable_cooldowns: true");
  } else if (!single && !(positive(router.cooldown_time) && Number(router.cooldown_time) <= 30)) {
    problems.push("LiteLLM: router_settings.cooldown_time must be set and 30 s or less");
  }
  return problems;
});

/** Streamed answers end with a usage chunk. */
export const liteLLMStreamsUsage = withConfig((config) =>
  config.general_settings?.always_include_stream_usage === true
    ? []
    : ["LiteLLM: general_settings.always_include_stream_usage is not true"],
);

/** LiteLLM serves the config from its ConfigMap on 4000, takes its master key from the environment, and has its health probes. */
export const liteLLMDeploymentServesConfig = withConfig((config, bundle) => {
  const main = mainContainer(bundle, names.litellm);
  if (!main) return [`no Deployment named ${names.litellm}`];
  const { workload, container } = main;
  const problems: string[] = [];
  const args = [...(container.command ?? []), ...(container.args ?? [])];
  const configPath = args[args.indexOf("--config") + 1] ?? "";
  const mounted = (container.volumeMounts ?? []).some((mount) => {
    const volume = podSpec(workload).volumes?.find((each) => each.name === mount.name);
    return volume?.configMap?.name === names.litellmConfig && configPath === `${mount.mountPath}/config.yaml`;
  });
  if (!mounted)
    problems.push(`LiteLLM: --config ${configPath} is not config.yaml from ConfigMap/${names.litellmConfig}`);
  if (args[args.indexOf("--port") + 1] !== "4000") problems.push("LiteLLM: does not listen on 4000 (--port)");
  if (!container.ports?.some((port) => port.containerPort === 4000))
    problems.push("LiteLLM: no container port 4000");
  if (probePath(container.livenessProbe) !== "/health/liveliness") {
    problems.push("LiteLLM: livenessProbe is not GET /health/liveliness");
  }
  if (probePath(container.readinessProbe) !== "/health/readiness") {
    problems.push("LiteLLM: readinessProbe is not GET /health/readiness");
  }
  const masterKey = String(config.general_settings?.master_key ?? "");
  const variable = /^os\.environ\/(\w+)$/.exec(masterKey)?.[1];
  if (!variable) problems.push("LiteLLM: general_settings.master_key is not os.environ/<VARIABLE>");
  else if (containerEnv(bundle, container).get(variable)?.kind !== "secret") {
    problems.push(`LiteLLM: ${variable} (the master key) does not come from a Secret`);
  }
  return problems;
});
