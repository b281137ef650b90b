import { test } from "node:test";
import assert from "node:assert/strict";

import type { SocketLike } from "../../shared/socket";

// The store dials wsURL (location) and fetches the first list (fetch): a
// page that never answers the fetch, so the queue frames decide.
Object.assign(globalThis, { location: { protocol: "http:", host: "tandem.test" }, fetch: () => new Promise(() => {}) });
const { QueueStore, queueMax } = await import("./queuestore");

class Socket implements SocketLike {
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: { code: number; reason: string }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  constructor(readonly url: string) {}
  send() {}
  close() {}
}

const assist = (id: string, state: string) => ({ id, state, siteId: "s", personId: "p", pageId: "p1", pageUrl: "", userAgent: "", createdAt: "" });

test("the queue counts every open assist, shows a page of each state, and shows more on request", () => {
  const sockets: Socket[] = [];
  const q = new QueueStore(
    () => {},
    (url) => {
      const s = new Socket(url);
      sockets.push(s);
      return s;
    },
  );
  q.start();
  assert.match(sockets[0].url, /^ws:\/\/tandem\.test\/api\/v1\/queue\/ws\?limit=100$/);
  sockets[0].onopen?.({});
  const view = { assists: [assist("a1", "waiting"), assist("a2", "waiting"), assist("a3", "live")], counts: { waiting: 250, consenting: 0, live: 1 }, limit: 100 };
  sockets[0].onmessage?.({ data: '{"k":"queue"}\n' + JSON.stringify(view) });
  assert.equal(q.waiting, 250, "the waiting count is the server's, not the page's length");
  assert.equal(q.count("live"), 1);
  assert.deepEqual(
    q.assists.map((a) => a.id),
    ["a1", "a2", "a3"],
  );

  q.loadMore();
  assert.equal(sockets.length, 2);
  assert.match(sockets[1].url, /\?limit=200$/);
  for (let i = 0; i < 20; i++) q.loadMore();
  assert.equal(q.limit, queueMax);
  assert.match(sockets[sockets.length - 1].url, new RegExp(`\\?limit=${queueMax}$`));
  const n = sockets.length;
  q.loadMore();
  assert.equal(sockets.length, n, "no more than the server shows");
  q.stop();
});
