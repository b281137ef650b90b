import { test } from "node:test";
import assert from "node:assert/strict";
import { curlCommand, middleTruncate } from "./netdetail";

test("middleTruncate keeps the end of the path and the query", () => {
  const cases: [string, number, string][] = [
    ["https://a.example/x", 40, "https://a.example/x"],
    ["https://shop.example.com/api/v2/orders/12345/items?page=3&sort=desc", 40, "https://s…s/12345/items?page=3&sort=desc"],
    ["https://shop.example.com/api/v2/orders/12345/items?page=3&sort=desc", 30, "https:/…items?page=3&sort=desc"],
    ["https://very-long-host-name.example.com/p?q=1", 20, "https://very-…/p?q=1"],
    ["not a url at all, just a long string", 12, "…long string"],
    ["https://a.example/x", 1, "…"],
  ];
  for (const [url, max, want] of cases) {
    const got = middleTruncate(url, max);
    assert.ok(Array.from(got).length <= max, `${got} longer than ${max}`);
    assert.equal(got, want, `middleTruncate(${url}, ${max})`);
  }
  // Whatever the length, the last characters of the query are there.
  const long = "https://h.example/" + "seg/".repeat(50) + "end?id=42";
  for (const max of [10, 20, 40, 80]) assert.ok(middleTruncate(long, max).endsWith("?id=42"), `max ${max}`);
});

test("curlCommand writes the request, without hidden credentials", () => {
  const cases: [Parameters<typeof curlCommand>[0], string][] = [
    [{ method: "GET", url: "https://a.example/x?q=1" }, "curl --url 'https://a.example/x?q=1'"],
    [
      {
        method: "POST",
        url: "https://a.example/api",
        requestHeaders: [
          ["content-type", "application/json"],
          ["authorization", "[hidden]"],
          ["cookie", "[hidden]"],
        ],
        requestBody: '{"a":"it\'s"}',
      },
      `curl --url 'https://a.example/api' -X 'POST' -H 'content-type: application/json' --data-raw '{"a":"it'\\''s"}'`,
    ],
    [{ method: "PUT", url: "https://a.example/f", requestBody: "[form data]" }, "curl --url 'https://a.example/f' -X 'PUT'"],
    [{ method: "GET", url: "https://a.example/'$(id)'", requestHeaders: [["x-note", "a\nb"]] }, `curl --url 'https://a.example/'\\''$(id)'\\''' -H $'x-note: a\\nb'`],
  ];
  for (const [row, want] of cases) assert.equal(curlCommand(row), want);
});
