// Builds Tandem's browser bundles into dist/ (or the directory given with
// --outdir). The output is committed so that `go build` needs no Node; a Go
// test rebuilds into a temporary directory and compares byte for byte, so the
// build must stay deterministic (no timestamps, no absolute paths).
import * as esbuild from "esbuild";
import { copyFileSync, mkdirSync } from "node:fs";
import { argv } from "node:process";

const outIndex = argv.indexOf("--outdir");
const outdir = outIndex >= 0 ? argv[outIndex + 1] : "dist";
mkdirSync(outdir, { recursive: true });

const common = {
  bundle: true,
  minify: true,
  legalComments: "none",
  target: ["es2020"],
  logLevel: "warning",
  jsx: "automatic",
  jsxImportSource: "preact",
  loader: { ".woff2": "file" },
};

// Each entry: the SDK loader must stay tiny (it is on every customer page);
// everything heavy loads only when needed.
const entries = [
  { in: "sdk/loader.ts", out: "sdk", format: "iife" },
  { in: "sdk/recorder.ts", out: "recorder", format: "iife" },
  { in: "console/main.tsx", out: "console", format: "iife" },
  { in: "terminal/main.ts", out: "terminal", format: "iife" },
  // The demo site's Preact app (served by the demo site as /app.js).
  { in: "demo/app.tsx", out: "demo-app", format: "iife" },
  // The demo site's React app (served as /react.js): fields React sets
  // through its own setters, which the recorder must follow. (Its JSX is
  // React's: a pragma in the file, since tsconfig.json names Preact's.)
  { in: "demo/react-app.jsx", out: "demo-react", format: "iife", define: { "process.env.NODE_ENV": '"production"' } },
];

for (const { in: entry, out, ...options } of entries) {
  await esbuild.build({
    ...common,
    ...options,
    entryPoints: { [out]: entry },
    outdir,
  });
}

// Static HTML shells of the console and the web terminal.
copyFileSync("console/index.html", `${outdir}/console.html`);
copyFileSync("terminal/index.html", `${outdir}/terminal.html`);
