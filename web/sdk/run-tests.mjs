// Runs the SDK's unit tests (sdk/*.test.mjs) with node's test runner. The
// tests import the TypeScript modules, so each file is bundled with esbuild
// into a temporary directory first; the directory is removed after.
// Usage: node sdk/run-tests.mjs
import * as esbuild from "esbuild";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const tests = readdirSync(here).filter((f) => f.endsWith(".test.mjs")).sort();
if (tests.length === 0) {
  console.error("no tests in", here);
  process.exit(1);
}
const out = mkdtempSync(join(tmpdir(), "tandem-sdk-test-"));
let code = 1;
try {
  await esbuild.build({
    entryPoints: tests.map((t) => join(here, t)),
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    outdir: out,
    outExtension: { ".js": ".mjs" },
    logLevel: "warning",
  });
  const r = spawnSync(process.execPath, ["--test", ...tests.map((t) => join(out, t))], { stdio: "inherit" });
  code = r.status ?? 1;
} finally {
  rmSync(out, { recursive: true, force: true });
}
process.exit(code);
