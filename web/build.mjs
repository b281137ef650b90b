// Builds Tandem's browser bundles into dist/ (or the directory given with
// --outdir). The output is committed so that `go build` needs no Node; a Go
// test rebuilds into a temporary directory and compares byte for byte, so the
// build must stay deterministic (no timestamps, no absolute paths).
//
// Two things here are for caching (docs/sdk.md, "Caching"):
//   - the loader (sdk.js, a stable URL) names the recorder and the chat
//     panel by their content hashes, /sdk/recorder.HASH.js and
//     /sdk/chat.HASH.js, so a loader never pairs with another build's; the server computes the same hash of recorder.js
//     (contentHash below, internal/httpapi's assetHash) and serves that URL
//     as immutable;
//   - every bundle the server serves is also written precompressed
//     (NAME.gz and NAME.br), so that serving it costs no CPU.
import * as esbuild from "esbuild";
import { createHash } from "node:crypto";
import { copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { argv } from "node:process";
import { brotliCompressSync, constants as zlib, gzipSync } from "node:zlib";

const outIndex = argv.indexOf("--outdir");
const outdir = outIndex >= 0 ? argv[outIndex + 1] : "dist";
mkdirSync(outdir, { recursive: true });
// Compressed files of an earlier build would otherwise outlive their bundle.
for (const f of readdirSync(outdir)) {
  if (f.endsWith(".gz") || f.endsWith(".br")) rmSync(`${outdir}/${f}`);
}

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

/** The first 16 hex digits of the SHA-256 of a file's bytes: the hash in hashed asset URLs. */
function contentHash(file) {
  return createHash("sha256").update(readFileSync(file)).digest("hex").slice(0, 16);
}

// Each entry: the SDK loader must stay tiny (it is on every customer page);
// everything heavy loads only when needed. The bundles it loads (recorder,
// chat panel, passport, tabs, screen,
// waiting notices) are built before the loader, which names them
// by their hashes.
const entries = [
  { in: "sdk/recorder.ts", out: "recorder", format: "iife" },
  { in: "sdk/chat.ts", out: "chat", format: "iife" },
  { in: "sdk/passport-bundle.ts", out: "passport", format: "iife" },
  { in: "sdk/tabs-bundle.ts", out: "tabs", format: "iife" },
  { in: "sdk/screen-bundle.ts", out: "screen", format: "iife" },
  { in: "sdk/waiting-bundle.ts", out: "waiting", format: "iife" },
  { in: "sdk/loader.ts", out: "sdk", format: "iife" },
  { in: "console/main.tsx", out: "console", format: "iife" },
  { in: "terminal/main.ts", out: "terminal", format: "iife" },
  // The page the video renderer draws recordings with (internal/video).
  { in: "render/main.ts", out: "render", format: "iife" },
  // The demo site's Preact app (served by the demo site as /app.js).
  { in: "demo/app.tsx", out: "demo-app", format: "iife" },
  // The demo site's React app (served as /react.js): fields React sets
  // through its own setters, which the recorder must follow. (Its JSX is
  // React's: a pragma in the file, since tsconfig.json names Preact's.)
  { in: "demo/react-app.jsx", out: "demo-react", format: "iife", define: { "process.env.NODE_ENV": '"production"' } },
];

for (const { in: entry, out, define = {}, ...options } of entries) {
  if (out === "sdk") {
    define.TANDEM_RECORDER_PATH = JSON.stringify(`/sdk/recorder.${contentHash(`${outdir}/recorder.js`)}.js`);
    define.TANDEM_CHAT_PATH = JSON.stringify(`/sdk/chat.${contentHash(`${outdir}/chat.js`)}.js`);
    define.TANDEM_PASSPORT_PATH = JSON.stringify(`/sdk/passport.${contentHash(`${outdir}/passport.js`)}.js`);
    define.TANDEM_TABS_PATH = JSON.stringify(`/sdk/tabs.${contentHash(`${outdir}/tabs.js`)}.js`);
    define.TANDEM_SCREEN_PATH = JSON.stringify(`/sdk/screen.${contentHash(`${outdir}/screen.js`)}.js`);
    define.TANDEM_WAITING_PATH = JSON.stringify(`/sdk/waiting.${contentHash(`${outdir}/waiting.js`)}.js`);
  }
  await esbuild.build({
    ...common,
    ...options,
    define,
    entryPoints: { [out]: entry },
    outdir,
  });
}

// Static HTML shells of the console and the web terminal. The server points
// their /assets/NAME references at the hashed URLs when it starts.
copyFileSync("console/index.html", `${outdir}/console.html`);
copyFileSync("terminal/index.html", `${outdir}/terminal.html`);
copyFileSync("render/index.html", `${outdir}/render.html`);

// Precompressed copies of what the Tandem server serves (the demo apps are
// served by the demo site, uncompressed).
for (const f of readdirSync(outdir).sort()) {
  if (!/\.(js|css)$/.test(f) || f.startsWith("demo-")) continue;
  const b = readFileSync(`${outdir}/${f}`);
  writeFileSync(`${outdir}/${f}.gz`, gzipSync(b, { level: 9 }));
  writeFileSync(
    `${outdir}/${f}.br`,
    brotliCompressSync(b, {
      params: {
        [zlib.BROTLI_PARAM_QUALITY]: zlib.BROTLI_MAX_QUALITY,
        [zlib.BROTLI_PARAM_MODE]: zlib.BROTLI_MODE_TEXT,
        [zlib.BROTLI_PARAM_SIZE_HINT]: b.length,
      },
    }),
  );
}
