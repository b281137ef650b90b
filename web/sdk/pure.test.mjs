// Tests of the SDK's pure helpers: page ids, hashes, console rendering and
// the redaction of request bodies.
import { test } from "node:test";
import assert from "node:assert/strict";
import { cyrb53, hashString, pageIdFor, urlWithoutFragment } from "./hash.ts";
import { headerList, hiddenValue, redact, redactStrict, stringify } from "./devtools.ts";
import { parseWatchers, watchersText } from "./watchers.ts";

test("page ids ignore the fragment and nothing else", () => {
  const base = pageIdFor("https://shop.example/a/b?x=1");
  const cases = [
    ["https://shop.example/a/b?x=1#top", true],
    ["https://shop.example/a/b?x=1#tandem-invite=T", true],
    ["https://shop.example/a/b?x=2", false],
    ["https://shop.example/a/b", false],
    ["https://shop.example/a/c?x=1", false],
    ["http://shop.example/a/b?x=1", false],
    ["https://other.example/a/b?x=1", false],
  ];
  for (const [url, same] of cases) assert.equal(pageIdFor(url) === base, same, url);
  assert.match(base, /^p[0-9a-z]{1,11}$/);
});

test("hashes are stable and tell strings apart", () => {
  assert.equal(cyrb53("a"), cyrb53("a"));
  assert.notEqual(cyrb53("a"), cyrb53("b"));
  assert.notEqual(hashString('{"id":1}'), hashString('{"id":2}'));
  assert.ok(cyrb53("x".repeat(100000)) <= Number.MAX_SAFE_INTEGER);
  assert.equal(urlWithoutFragment("https://a/b?c#d"), "https://a/b?c");
  assert.equal(urlWithoutFragment("https://a/b"), "https://a/b");
});

test("console arguments are rendered briefly", () => {
  const circular = { a: 1 };
  circular.self = circular;
  const cases = [
    ["text", "text"],
    [42, "42"],
    [undefined, "undefined"],
    [null, "null"],
    [{ a: [1, 2] }, '{"a":[1,2]}'],
    [circular, '{"a":1,"self":"[circular]"}'],
    [10n, "10"],
    [function named() {}, "function named()"],
    [{ nodeType: 1, nodeName: "DIV", id: "x", className: "a b" }, "<div#x.a.b>"],
  ];
  for (const [v, want] of cases) assert.equal(stringify(v), want);
  assert.match(stringify(new Error("boom")), /boom/);
  assert.equal(stringify("z".repeat(5000)).length, 2048);
});

test("secrets in request bodies are redacted", () => {
  const cases = [
    ['{"user":"al","password":"hunter2"}', '{"user":"al","password":"***"}'],
    ['{"cardNumber": "4111 1111", "cvc":"123"}', '{"cardNumber": "***", "cvc":"***"}'],
    ["user=al&password=hunter2&x=1", "user=al&password=***&x=1"],
    ["access_token=abc", "access_token=***"],
    ['{"name":"Al"}', '{"name":"Al"}'],
  ];
  for (const [body, want] of cases) assert.equal(redact(body), want);
});

test("the badge names everyone watching", () => {
  assert.equal(watchersText([]), "Support is viewing this page");
  assert.equal(watchersText(["Alex"]), "Alex is viewing this page");
  assert.equal(watchersText(["Alex", "Sam"]), "Alex and Sam are viewing this page");
  assert.equal(watchersText(["Alex", "Kim", "Sam"]), "Alex, Kim and Sam are viewing this page");
});

test("a watchers frame is read defensively", () => {
  assert.deepEqual(parseWatchers({ agents: [{ name: "Alex" }, { name: "" }, null, 3], asking: [{ id: "q1", name: "Sam", text: "Sam also wants" }, { name: "no id" }] }), {
    agents: ["Alex"],
    asking: [{ id: "q1", name: "Sam", text: "Sam also wants" }],
  });
  assert.deepEqual(parseWatchers(null), { agents: [], asking: [] });
  assert.deepEqual(parseWatchers({ agents: "Alex" }), { agents: [], asking: [] });
});

test("credential headers keep their name and lose their value", () => {
  const cases = [
    [{ Authorization: "Bearer s3cret" }, [["authorization", hiddenValue]]],
    [[["Cookie", "sid=s3cret"], ["Accept", "text/html"]], [["cookie", hiddenValue], ["accept", "text/html"]]],
    [[["set-cookie", "sid=s3cret"]], [["set-cookie", hiddenValue]]],
    [[["Proxy-Authorization", "Basic s3cret"]], [["proxy-authorization", hiddenValue]]],
    [[["X-Api-Key", "s3cret"], ["X-CSRF-Token", "s3cret"]], [["x-api-key", hiddenValue], ["x-csrf-token", hiddenValue]]],
    [[["Content-Type", "application/json"]], [["content-type", "application/json"]]],
    [null, []],
  ];
  for (const [h, want] of cases) {
    const got = headerList(h);
    assert.deepEqual(got, want);
    assert.ok(!JSON.stringify(got).includes("s3cret"));
  }
  const many = Array.from({ length: 80 }, (_, i) => ["x-h" + i, "v"]);
  assert.equal(headerList(many).length, 50);
});

test("strict masking masks every value of a body", () => {
  const cases = [
    ['{"name":"Ann","age":41,"ok":true}', '{"name":"***","age":"***","ok":true}'],
    ['[{"q":"shoes \\"red\\""}]', '[{"q":"***"}]'],
    ["name=Ann&city=Paris", "name=***&city=***"],
    ["<p>Ann</p>", "[hidden by the site's strict masking]"],
  ];
  for (const [body, want] of cases) assert.equal(redactStrict(body), want);
});
