import { join } from "node:path";
import { updateChecksums } from "./k8s/checksum";

// Rewrites each pod template's checksum/config annotation from the ConfigMaps it reads.
const dir = join(new URL("..", import.meta.url).pathname, "k8s");
const changed = updateChecksums(dir);
process.stdout.write(changed.length === 0 ? "checksums are current\n" : `updated ${changed.join(", ")}\n`);
