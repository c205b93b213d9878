import { join } from "node:path";
import { loadBundle } from "./k8s/bundle";
import { runChecks } from "./k8s/checks";

// Checks the kustomize base in k8s/ offline: schemas, selectors, wiring, exposure, LiteLLM and Ollama, secrets.
const dir = join(new URL("..", import.meta.url).pathname, "k8s");
const found = Object.entries(runChecks(loadBundle(dir)));
for (const [check, problems] of found) {
  for (const problem of problems) process.stderr.write(`${check}: ${problem}\n`);
}
process.stdout.write(found.length === 0 ? "k8s/: every check passes\n" : "");
process.exit(found.length === 0 ? 0 : 1);
