// The quoting of "Copy as curl", checked by a real shell: whatever a URL,
// header or body holds, bash reads back exactly the words that were quoted.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { curlCommand, shellQuote } from "./netdetail.ts";

// words runs cmd's words through bash and returns what each became.
function words(cmd) {
  const r = spawnSync("bash", ["-c", `set -- ${cmd}; for w in "$@"; do printf '%s\\0' "$w"; done`], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.split("\0").slice(0, -1);
}

test("shellQuote makes one word of anything, in a real shell", () => {
  const cases = [
    "plain",
    "it's",
    "'; rm -rf / #",
    "$(touch /tmp/pwned) `id` ${HOME}",
    "line one\nline two",
    "tab\there\r\n",
    "back\\slash\\'quote",
    "\x1b[31mred",
    "émoji 🎉",
    "",
  ];
  for (const s of cases) assert.deepEqual(words(shellQuote(s)), [s], JSON.stringify(s));
  assert.equal(shellQuote("a\0b"), "'ab'");
  assert.ok(!shellQuote("a\nb").includes("\n"), "a newline stays escaped");
});

test("bash reads a curl command back as the request's parts", () => {
  // The words the shell sees are exactly the request's parts.
  const got = words(curlCommand({ method: "POST", url: "https://a.example/'; id", requestHeaders: [["x-a", "1\n2"]], requestBody: "x'y\nz" }));
  assert.deepEqual(got, ["curl", "--url", "https://a.example/'; id", "-X", "POST", "-H", "x-a: 1\n2", "--data-raw", "x'y\nz"]);
});
