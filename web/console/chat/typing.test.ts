import { test } from "node:test";
import assert from "node:assert/strict";
import { fakeClock } from "../../shared/fakeclock";
import { TypingSender, typingEveryMs, typingLabel, typingShowMs, TypingTracker } from "./typing";

test("TypingSender tells the server at most every few seconds, and at once after a send", () => {
  const c = fakeClock();
  let sent = 0;
  const s = new TypingSender(() => sent++, c.now);
  s.typed();
  c.advance(100);
  s.typed();
  assert.equal(sent, 1);
  c.advance(typingEveryMs);
  s.typed();
  assert.equal(sent, 2);
  s.sent();
  s.typed();
  assert.equal(sent, 3, "a new message starts a new typing spell");
});

test("TypingTracker shows who types until they stop for a while or send", () => {
  const c = fakeClock();
  let changes = 0;
  const t = new TypingTracker(() => changes++, c.timers);
  t.typing("user:a", "Ada");
  t.typing("bot:b", "");
  assert.deepEqual(t.names(), ["Ada", "Someone"]);
  c.advance(typingShowMs - 1);
  t.typing("user:a", "Ada");
  c.advance(1);
  assert.deepEqual(t.names(), ["Ada"], "the bot stopped; Ada typed again");
  t.stopped("user:a");
  assert.deepEqual(t.names(), []);
  assert.equal(changes, 4);
  assert.equal(c.pending(), 0, "no timer left behind");
});

test("typingLabel", () => {
  assert.equal(typingLabel([]), "");
  assert.equal(typingLabel(["Ada"]), "Ada is typing…");
  assert.equal(typingLabel(["Ada", "Bo"]), "Ada and Bo are typing…");
  assert.equal(typingLabel(["Ada", "Bo", "Cy"]), "Several people are typing…");
});
