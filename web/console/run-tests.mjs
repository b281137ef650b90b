// Runs the console's unit tests (console/*.test.ts) with node's test runner.
// Node 20 cannot run TypeScript itself, so each test file is bundled with
// esbuild into a temporary directory first; the directory is removed after.
import * as esbuild from "esbuild";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const tests = readdirSync(here).filter((f) => f.endsWith(".test.ts")).sort();
if (tests.length === 0) {
  console.error("no tests in", here);
  process.exit(1);
}
const out = mkdtempSync(join(tmpdir(), "tandem-console-test-"));
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
  const files = tests.map((t) => join(out, t.replace(/\.ts$/, ".mjs")));
  const r = spawnSync(process.execPath, ["--test", ...files], { stdio: "inherit" });
  code = r.status ?? 1;
} finally {
  rmSync(out, { recursive: true, force: true });
}
process.exit(code);
