// Runs the unit tests of shared/, sdk/ and console/ (or of the directories
// given) with node's test runner: every *.test.ts and *.test.mjs in them and
// in their subdirectories.
// Node 20 cannot run TypeScript itself, and the tests import the TypeScript
// modules, so each test file is bundled with esbuild into a temporary
// directory first; the directory is removed after.
// Usage: node run-tests.mjs [dir...]
import * as esbuild from "esbuild";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { argv } from "node:process";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const dirs = argv.length > 2 ? argv.slice(2) : ["shared", "sdk", "console"];
const tests = [];
for (const dir of dirs) {
  const found = readdirSync(join(here, dir), { recursive: true })
    .map(String)
    .filter((f) => /\.test\.(ts|mjs)$/.test(f) && !f.split(/[\\/]/).includes("node_modules"))
    .sort();
  if (found.length === 0) {
    console.error("no tests in", join(here, dir));
    process.exit(1);
  }
  tests.push(...found.map((f) => join(dir, f)));
}
const out = mkdtempSync(join(tmpdir(), "tandem-web-test-"));
let code = 1;
try {
  await esbuild.build({
    entryPoints: tests.map((t) => join(here, t)),
    // Keep each directory's files apart: sdk/ and console/ have tests of the same name.
    outbase: here,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    outdir: out,
    outExtension: { ".js": ".mjs" },
    logLevel: "warning",
    // What build.mjs sets to the recorder's and the chat panel's hashed paths (sdk/config.ts).
    define: { TANDEM_RECORDER_PATH: JSON.stringify("/sdk/recorder.test.js"), TANDEM_CHAT_PATH: JSON.stringify("/sdk/chat.test.js"), TANDEM_PASSPORT_PATH: JSON.stringify("/sdk/passport.test.js"), TANDEM_TABS_PATH: JSON.stringify("/sdk/tabs.test.js"), TANDEM_SCREEN_PATH: JSON.stringify("/sdk/screen.test.js"), TANDEM_WAITING_PATH: JSON.stringify("/sdk/waiting.test.js") },
  });
  const files = tests.map((t) => join(out, t.replace(/\.(ts|mjs)$/, ".mjs")));
  const r = spawnSync(process.execPath, ["--test", ...files], { stdio: "inherit" });
  code = r.status ?? 1;
} finally {
  rmSync(out, { recursive: true, force: true });
}
process.exit(code);
