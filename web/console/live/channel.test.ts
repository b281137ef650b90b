import { test } from "node:test";
import assert from "node:assert/strict";

const last = <T,>(xs: readonly T[]): T | undefined => xs[xs.length - 1];
import { Backoff } from "../../shared/backoff";
import { Channel } from "./channel";
import { ManualTimers } from "../../shared/fakeclock";
import type { SocketLike, SocketState } from "../../shared/socket";
import { Frame } from "./frames";

// A socket driven by the test, standing in for the browser's WebSocket.
class ScriptedSocket implements SocketLike {
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: { code: number; reason: string }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  sent: string[] = [];
  closedWith: number | null = null;
  constructor(readonly url: string) {}
  open() {
    this.onopen?.({});
  }
  recv(text: string) {
    this.onmessage?.({ data: text });
  }
  drop(code: number) {
    this.onclose?.({ code, reason: "" });
  }
  send(data: string) {
    this.sent.push(data);
  }
  close(code?: number) {
    this.closedWith = code ?? 1000;
    this.onclose?.({ code: code ?? 1000, reason: "" });
  }
}


function setup() {
  const sockets: ScriptedSocket[] = [];
  const frames: Frame[] = [];
  const states: [SocketState, number | undefined][] = [];
  const timers = new ManualTimers();
  const ch = new Channel({
    url: (from) => `ws://test/api/v1/assists/a1/ws?from=${from}`,
    onFrame: (f) => frames.push(f),
    onState: (s, code) => states.push([s, code]),
    socket: (url) => {
      const s = new ScriptedSocket(url);
      sockets.push(s);
      return s;
    },
    timers,
    backoff: new Backoff({ baseMs: 100, maxMs: 1000, random: () => 1 }),
  });
  return { ch, sockets, frames, states, timers };
}

const data = (k: string, s: number, payload = "[]") => `{"k":"${k}","s":${s},"p":"pg"}\n${payload}`;
const seqs = (frames: Frame[]) => frames.filter((f) => f.header.s !== undefined).map((f) => f.header.s);

test("resumes from the last applied frame and never applies one twice", () => {
  const { ch, sockets, frames, states, timers } = setup();
  ch.start();
  assert.equal(sockets[0].url, "ws://test/api/v1/assists/a1/ws?from=0");
  sockets[0].open();
  sockets[0].recv('{"k":"sync","from":1}');
  sockets[0].recv(data("snap", 1));
  sockets[0].recv(data("ev", 2));
  sockets[0].recv(data("ev", 2)); // resent
  sockets[0].recv(data("ev", 3));
  assert.equal(ch.lastApplied, 3);
  sockets[0].drop(1006);
  assert.deepEqual(last(states), ["resuming", 1006]);
  assert.equal(timers.fire(), 100);
  assert.equal(sockets[1].url, "ws://test/api/v1/assists/a1/ws?from=3");
  sockets[1].open();
  sockets[1].recv(data("ev", 3)); // the server replays what it is not sure of
  sockets[1].recv(data("ev", 4));
  assert.deepEqual(seqs(frames), [1, 2, 3, 4]);
  assert.equal(ch.duplicates, 2);
  assert.equal(frames[0].header.k, "sync");
  assert.deepEqual(
    states.map((s) => s[0]),
    ["open", "resuming", "open"],
  );
});

test("answers ping with pong carrying the same time, and hides the ping", () => {
  const { ch, sockets, frames } = setup();
  ch.start();
  sockets[0].open();
  sockets[0].recv('{"k":"ping","t":1700000000123}');
  assert.deepEqual(sockets[0].sent, ['{"k":"pong","t":1700000000123}']);
  assert.equal(frames.length, 0);
  assert.equal(ch.send({ k: "snapshot" }), true);
  assert.equal(sockets[0].sent[1], '{"k":"snapshot"}');
});

test("a sync rewinds to its from so that the rebuilt view gets every frame", () => {
  const { ch, sockets, frames } = setup();
  ch.start();
  sockets[0].open();
  for (let s = 1; s <= 6; s++) sockets[0].recv(data("ev", s));
  sockets[0].recv('{"k":"sync","from":4}');
  sockets[0].recv(data("snap", 4));
  sockets[0].recv(data("ev", 5));
  assert.deepEqual(seqs(frames), [1, 2, 3, 4, 5, 6, 4, 5]);
  assert.equal(ch.lastApplied, 5);
});

test("gives up on close codes that reconnecting cannot fix", () => {
  for (const code of [4401, 4403, 4404, 4410]) {
    const { ch, sockets, states, timers } = setup();
    ch.start();
    sockets[0].open();
    sockets[0].drop(code);
    assert.deepEqual(last(states), ["closed", code]);
    assert.equal(timers.pending.length, 0, `no reconnect after ${code}`);
    assert.equal(ch.state, "closed");
  }
});

test("reconnects after a slow-consumer close, from the last applied frame", () => {
  const { ch, sockets, timers } = setup();
  ch.start();
  sockets[0].open();
  sockets[0].recv(data("ev", 1));
  sockets[0].drop(4408);
  timers.fire();
  assert.equal(sockets[1].url.endsWith("from=1"), true);
});

test("a gap in sequence numbers resumes once, then accepts the same gap", () => {
  const { ch, sockets, frames, timers } = setup();
  ch.start();
  sockets[0].open();
  sockets[0].recv(data("ev", 1));
  sockets[0].recv(data("ev", 3));
  assert.equal(sockets[0].closedWith, 4000);
  assert.deepEqual(seqs(frames), [1]);
  timers.fire();
  assert.equal(sockets[1].url.endsWith("from=1"), true);
  sockets[1].open();
  sockets[1].recv(data("ev", 3));
  assert.deepEqual(seqs(frames), [1, 3]);
});

test("backoff grows to its cap and starts over after a good connection", () => {
  const { ch, sockets, timers } = setup();
  ch.start();
  const delays: number[] = [];
  for (let i = 0; i < 6; i++) {
    sockets[sockets.length - 1].drop(1006);
    delays.push(timers.fire());
  }
  assert.deepEqual(delays, [100, 200, 400, 800, 1000, 1000]);
  sockets[sockets.length - 1].open();
  sockets[sockets.length - 1].drop(1006);
  assert.equal(timers.fire(), 100);
});

test("by default a reconnect waits between half and all of 500 ms doubling to 15 s", () => {
  const random = Math.random;
  const delays = (r: number) => {
    Math.random = () => r; // the default Backoff draws from Math.random
    try {
      const sockets: ScriptedSocket[] = [];
      const timers = new ManualTimers();
      const ch = new Channel({
        url: () => "ws://test/x",
        onFrame: () => {},
        socket: (url) => {
          const s = new ScriptedSocket(url);
          sockets.push(s);
          return s;
        },
        timers,
      });
      ch.start();
      const got: number[] = [];
      for (let i = 0; i < 7; i++) {
        sockets[sockets.length - 1].drop(1006);
        got.push(timers.fire());
      }
      return got;
    } finally {
      Math.random = random;
    }
  };
  assert.deepEqual(delays(0), [250, 500, 1000, 2000, 4000, 7500, 7500]);
  assert.deepEqual(delays(0.999999), [500, 1000, 2000, 4000, 8000, 15000, 15000]);
});

test("stop closes the socket and cancels a pending reconnect", () => {
  const { ch, sockets, timers, states } = setup();
  ch.start();
  sockets[0].open();
  sockets[0].drop(1006);
  assert.equal(timers.pending.length, 1);
  ch.stop();
  assert.equal(timers.pending.length, 0);
  assert.equal(ch.send({ k: "pong" }), false);
  assert.deepEqual(last(states), ["closed", undefined]);
  assert.equal(sockets.length, 1);
});

test("frames that are not JSON are ignored, not fatal", () => {
  const logs: string[] = [];
  const frames: Frame[] = [];
  const socks: ScriptedSocket[] = [];
  const ch = new Channel({
    url: () => "ws://x",
    onFrame: (f) => frames.push(f),
    socket: (u) => {
      socks.push(new ScriptedSocket(u));
      return socks[0];
    },
    timers: new ManualTimers(),
    log: (m) => logs.push(m),
  });
  ch.start();
  socks[0].open();
  socks[0].recv("garbage");
  socks[0].recv('{"k":"state"}\n{"state":"live"}');
  assert.equal(frames.length, 1);
  assert.equal(logs.length, 1);
});
