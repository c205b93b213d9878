import type { Bundle } from "../bundle";
import {
  appDrainsGracefully,
  appExposesMetrics,
  appScalesOut,
  appWiredToServices,
  migrationJobMatchesApp,
} from "./app";
import {
  appTrustsOneProxy,
  ingressLimitsRequestBodies,
  metricsNotBehindIngress,
  metricsOnTheirOwnPort,
  publicUrlMatchesIngress,
} from "./exposure";
import {
  appDefaultModelServed,
  liteLLMConfigParses,
  liteLLMDeploymentServesConfig,
  liteLLMModelNamesUnique,
  liteLLMResilient,
  liteLLMRoutesToOllamaChat,
  liteLLMStreamsUsage,
} from "./litellm";
import { noGfxOverride, ollamaOnRocmGpu, ollamaPullsEveryModel } from "./ollama";
import {
  configChecksumsCurrent,
  configMapReferencesResolve,
  containersHaveProbesAndResources,
  storesPersistAndAuthenticate,
} from "./resources";
import { noLiteralSecrets, secretReferencesResolve } from "./secrets";
import { imagesArePinned, kustomizationListsEveryFile, manifestsMatchSchemas } from "./structure";
import {
  ingressKeepsSocketsOnOneReplica,
  ollamaServiceSelectsOnlyOllama,
  portsNameContainerPorts,
  selectorsMatchOneWorkload,
  statefulSetsHaveServices,
  workloadSelectorsMatchTemplates,
} from "./wiring";

/** A check reads the built base and returns its problems, one line each; none means it passes. */
export type Check = (bundle: Bundle) => string[];

export const checks = {
  kustomizationListsEveryFile,
  manifestsMatchSchemas,
  imagesArePinned,
  selectorsMatchOneWorkload,
  workloadSelectorsMatchTemplates,
  ollamaServiceSelectsOnlyOllama,
  portsNameContainerPorts,
  statefulSetsHaveServices,
  ingressKeepsSocketsOnOneReplica,
  appWiredToServices,
  appDrainsGracefully,
  appScalesOut,
  appExposesMetrics,
  metricsOnTheirOwnPort,
  metricsNotBehindIngress,
  ingressLimitsRequestBodies,
  appTrustsOneProxy,
  publicUrlMatchesIngress,
  migrationJobMatchesApp,
  liteLLMConfigParses,
  liteLLMRoutesToOllamaChat,
  liteLLMModelNamesUnique,
  appDefaultModelServed,
  liteLLMResilient,
  liteLLMStreamsUsage,
  liteLLMDeploymentServesConfig,
  ollamaOnRocmGpu,
  ollamaPullsEveryModel,
  noGfxOverride,
  noLiteralSecrets,
  secretReferencesResolve,
  containersHaveProbesAndResources,
  configMapReferencesResolve,
  configChecksumsCurrent,
  storesPersistAndAuthenticate,
} satisfies Record<string, Check>;

export type CheckName = keyof typeof checks;

/** Runs every check; the result names each check that found problems. */
export function runChecks(bundle: Bundle): Partial<Record<CheckName, string[]>> {
  const found: Partial<Record<CheckName, string[]>> = {};
  for (const [name, check] of Object.entries(checks) as [CheckName, Check][]) {
    const problems = check(bundle);
    if (problems.length > 0) found[name] = problems;
  }
  return found;
}
