import { test } from "node:test";
import assert from "node:assert/strict";
import { Backoff } from "../../shared/backoff";
import type { SocketLike } from "../../shared/socket";
import { fakeClock } from "../../shared/fakeclock";
import type { ChatEvent } from "./api";
import { ChatSocket, parseEvent } from "./socket";

class FakeSocket implements SocketLike {
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: { code: number; reason: string }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  closed = false;
  send() {}
  close() {
    this.closed = true;
  }
}

test("parseEvent takes the known events and drops the rest", () => {
  const ok = `{"type":"message","conversationId":"c","message":{"id":"m","seq":1}}`;
  assert.equal(parseEvent(ok)?.type, "message");
  assert.equal(parseEvent(`{"type":"conversation","conversation":{"id":"c","kind":"group"}}`)?.type, "conversation");
  for (const bad of ["", "{", "null", `{"type":"boom"}`, `{"type":"message","conversationId":"c"}`, `{"type":"conversation"}`, `{"type":"typing"}`, 42]) {
    assert.equal(parseEvent(bad), null, String(bad));
  }
});

test("ChatSocket hands out events, reconnects after a drop and asks for a resync, stops on a bad session", () => {
  const c = fakeClock();
  const socks: FakeSocket[] = [];
  const events: ChatEvent[] = [];
  const states: string[] = [];
  let resyncs = 0;
  const s = new ChatSocket({
    url: () => "ws://x/api/v1/conversations/ws",
    onEvent: (e) => events.push(e),
    onResync: () => resyncs++,
    onState: (st, code) => states.push(code ? `${st}:${code}` : st),
    socket: () => {
      const f = new FakeSocket();
      socks.push(f);
      return f;
    },
    timers: c.timers,
    backoff: new Backoff({ baseMs: 100, random: () => 0.5, jitter: "equal" }),
  });
  s.start();
  socks[0].onopen!({});
  socks[0].onmessage!({ data: `{"type":"typing","conversationId":"c","account":"user:a","name":"A"}` });
  socks[0].onmessage!({ data: "garbage" });
  assert.equal(events.length, 1);
  assert.equal(resyncs, 1, "the first open is a resync too: what was fetched before it may have missed events");
  socks[0].onmessage!({ data: `{"type":"resync"}` });
  assert.equal(resyncs, 2, "the server's resync");
  assert.equal(events.length, 1, "a resync is no event");
  socks[0].onclose!({ code: 1006, reason: "" });
  assert.equal(socks.length, 1);
  c.advance(100);
  assert.equal(socks.length, 2, "dialled again after the backoff");
  socks[1].onopen!({});
  assert.equal(resyncs, 3);
  socks[1].onclose!({ code: 4401, reason: "session" });
  c.advance(60000);
  assert.equal(socks.length, 2, "a bad session is final");
  assert.deepEqual(states, ["open", "resuming:1006", "open", "closed:4401"]);
  s.stop();
});
