import type { Bundle } from "../bundle";
import {
  containerEnv,
  containersOf,
  type EnvSource,
  names,
  ofKind,
  secretKeysUsedBy,
  workloads,
} from "../objects";
import { readLiteLLMConfig } from "./litellm";

/** Names that say "this holds a secret". */
export const secretName = /KEY|PASSWORD|SECRET|TOKEN/i;

export const placeholder = "REPLACE_ME";

/** Passwords inside URLs (scheme://user:password@host) that are not a $(VAR) taken from a Secret. */
function literalUrlPasswords(text: string, env?: Map<string, EnvSource>): string[] {
  return [...text.matchAll(/[a-z][a-z0-9+.-]*:\/\/([^\s/@]*:[^\s/@]*)@/gi)].flatMap((match) => {
    const password = match[1]?.slice(match[1].indexOf(":") + 1) ?? "";
    if (password === "") return [];
    const variable = /^\$\((\w+)\)$/.exec(password)?.[1];
    return variable && env?.get(variable)?.kind === "secret" ? [] : [match[0]];
  });
}

/** Every string in a parsed LiteLLM config whose key names a secret, unless it reads os.environ/. */
function literalConfigSecrets(value: unknown, path: string): string[] {
  if (Array.isArray(value))
    return value.flatMap((item, index) => literalConfigSecrets(item, `${path}[${index}]`));
  if (typeof value !== "object" || value === null) return [];
  return Object.entries(value).flatMap(([key, item]) =>
    typeof item === "string"
      ? secretName.test(key) && !item.startsWith("os.environ/")
        ? [`${path}.${key}`]
        : []
      : literalConfigSecrets(item, `${path}.${key}`),
  );
}

/**
 * No secret is written in the base: variables named like secrets come from a Secret, URLs carry only
 * $(VAR) passwords taken from a Secret, ConfigMaps hold no secret-named key, LiteLLM's config reads its
 * secrets from the environment, and the base carries no Secret.
 */
export function noLiteralSecrets(bundle: Bundle): string[] {
  const problems: string[] = [];
  for (const workload of workloads(bundle)) {
    for (const container of containersOf(workload)) {
      const what = `${workload.kind}/${workload.name} ${container.name}`;
      const env = containerEnv(bundle, container);
      for (const [name, source] of env) {
        if (secretName.test(name) && source.kind !== "secret")
          problems.push(`${what}: ${name} is not from a Secret`);
        const text = source.kind === "value" || source.kind === "configMap" ? (source.value ?? "") : "";
        for (const url of literalUrlPasswords(text, env))
          problems.push(`${what}: ${name} holds a password: ${url}`);
      }
    }
  }
  for (const { object } of ofKind(bundle, "ConfigMap")) {
    for (const [key, value] of Object.entries((object.data ?? {}) as Record<string, string>)) {
      const what = `ConfigMap/${object.metadata.name} ${key}`;
      if (secretName.test(key)) problems.push(`${what}: a secret-named key in a ConfigMap`);
      for (const url of literalUrlPasswords(value)) problems.push(`${what}: holds a password: ${url}`);
    }
  }
  const { config } = readLiteLLMConfig(bundle);
  for (const path of literalConfigSecrets(config, "config.yaml")) {
    problems.push(`LiteLLM ${path} is written in the config; use os.environ/<VARIABLE>`);
  }
  for (const { object } of ofKind(bundle, "Secret")) {
    if (object.data || object.stringData) {
      problems.push(`Secret/${object.metadata.name} carries values; create it outside the base`);
    }
  }
  return problems;
}

/** Every Secret reference names the Secret of examples/secret.example.yaml and a key it shows, with placeholder values only. */
export function secretReferencesResolve(bundle: Bundle): string[] {
  const example = bundle.examples.find(({ object }) => object.kind === "Secret")?.object;
  if (!example || example.metadata.name !== names.secret) return [`no example Secret named ${names.secret}`];
  const values = { ...(example.data ?? {}), ...(example.stringData ?? {}) } as Record<string, unknown>;
  const problems = Object.entries(values)
    .filter(([, value]) => value !== placeholder)
    .map(([key]) => `example Secret: ${key} is not the placeholder ${placeholder}`);
  const used = new Set<string>();
  for (const workload of workloads(bundle)) {
    for (const reference of secretKeysUsedBy(workload)) {
      const [secret, key = ""] = reference.split("/");
      used.add(key);
      if (secret !== names.secret || (key !== "*" && !(key in values))) {
        problems.push(
          `${workload.kind}/${workload.name}: reads ${reference}, which the example Secret does not define`,
        );
      }
    }
  }
  for (const key of Object.keys(values).filter((each) => !used.has(each))) {
    problems.push(`example Secret: ${key} is read by nothing`);
  }
  return problems;
}
