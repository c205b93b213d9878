import { spawnSync } from "node:child_process";

/** The server tests run the real production server, which needs a build matching the sources. */
export default function setup(): void {
  const result = spawnSync(process.execPath, ["--import", "tsx", "scripts/ensure-build.ts"], {
    cwd: new URL("../..", import.meta.url).pathname,
    stdio: "inherit",
  });
  if (result.status !== 0) throw new Error("the production build failed");
}
