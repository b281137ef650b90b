import { test } from "node:test";
import assert from "node:assert/strict";
import { CallView, goneMembers, isMember, offerTargets, parseCallState, personAway } from "./mesh";

// A member written "person~" is away (their page went; the next rejoins).
const view = (state: CallView["state"], members: string[] | null, you = ""): CallView => ({
  callId: "c1",
  state,
  video: false,
  members: members ? members.map((m) => ({ id: m.replace(/~$/, ""), name: m.replace(/~$/, ""), away: m.endsWith("~") })) : null,
  you,
  iceServers: [],
});

test("parseCallState reads the frame and tolerates missing parts", () => {
  const v = parseCallState({
    callId: "c9",
    state: "active",
    video: true,
    members: [{ id: "b2", name: "Sam" }, { id: "person", name: "person", away: true }, { id: "a1", name: "Alex", away: "yes" }, { nope: 1 }],
    you: "a1",
    iceServers: [{ urls: ["turn:127.0.0.1:3478?transport=udp"], username: "u", credential: "p" }, { bad: true }],
  });
  assert.equal(v.callId, "c9");
  assert.equal(v.state, "active");
  assert.equal(v.video, true);
  assert.deepEqual(v.members?.map((m) => m.id), ["person", "a1", "b2"], "the person first, then by id");
  assert.deepEqual(v.members?.map((m) => m.away), [true, false, false], "away only when true");
  assert.equal(v.you, "a1");
  assert.equal(v.iceServers.length, 1);
  const declined = parseCallState({ state: "declined" });
  assert.deepEqual(declined, { callId: "", state: "declined", video: false, members: null, you: "", iceServers: [] });
  assert.equal(parseCallState({ state: "weird" }).state, "ended");
  assert.equal(parseCallState(null).state, "ended");
});

test("isMember uses you, or the member list", () => {
  assert.equal(isMember(view("active", ["person", "a1"], "a1"), "a1"), true);
  assert.equal(isMember(view("active", ["person", "a1"]), "a1"), true);
  assert.equal(isMember(view("active", ["person", "a1"]), "b2"), false);
  assert.equal(isMember(view("active", null), "b2"), false);
  assert.equal(isMember(null, "a1"), false);
  assert.equal(isMember(view("active", ["person"]), ""), false);
});

test("offerTargets: the newer member offers to each existing member", () => {
  const cases: { name: string; prev: CallView | null; next: CallView; me: string; want: string[] }[] = [
    { name: "the caller while ringing offers to nobody", prev: null, next: view("ringing", ["a1"]), me: "a1", want: [] },
    { name: "the person accepts: the caller offers to the person", prev: view("ringing", ["a1"]), next: view("active", ["a1", "person"]), me: "a1", want: ["person"] },
    {
      name: "an agent joins: it offers to everyone",
      prev: view("active", ["a1", "person"]),
      next: view("active", ["a1", "person", "b2"]),
      me: "b2",
      want: ["a1", "person"],
    },
    { name: "an agent joins: the others wait for its offer", prev: view("active", ["a1", "person"]), next: view("active", ["a1", "person", "b2"]), me: "a1", want: [] },
    { name: "a console opened mid-call joins", prev: view("active", null), next: view("active", ["person", "a1", "c3"]), me: "c3", want: ["person", "a1"] },
    { name: "someone leaves: no new offers", prev: view("active", ["a1", "person", "b2"]), next: view("active", ["a1", "person"]), me: "a1", want: [] },
    { name: "not a member: nothing", prev: view("active", ["a1", "person"]), next: view("active", ["a1", "person"]), me: "b2", want: [] },
    { name: "the call ends: nothing", prev: view("active", ["a1", "person"]), next: view("ended", null), me: "a1", want: [] },
    { name: "the same state again: nothing", prev: view("active", ["a1", "person"]), next: view("active", ["a1", "person"]), me: "a1", want: [] },
    {
      name: "a new call with another id starts over",
      prev: view("active", ["a1", "person"]),
      next: { ...view("active", ["a1", "person"]), callId: "c2" },
      me: "a1",
      want: ["person"],
    },
    { name: "the person's page goes: no offers", prev: view("active", ["a1", "person"]), next: view("active", ["a1", "person~"]), me: "a1", want: [] },
    { name: "the person is back: every agent offers again", prev: view("active", ["a1", "person~", "b2"]), next: view("active", ["a1", "person", "b2"]), me: "b2", want: ["person"] },
    { name: "still away: nothing", prev: view("active", ["a1", "person~"]), next: view("active", ["a1", "person~"]), me: "a1", want: [] },
    { name: "an agent joins while the person is away: not to the person", prev: view("active", ["a1", "person~"]), next: view("active", ["a1", "person~", "b2"]), me: "b2", want: ["a1"] },
  ];
  for (const c of cases) assert.deepEqual(offerTargets(c.prev, c.next, c.me), c.want, c.name);
});

test("goneMembers closes the peers that left, and all when the call is over", () => {
  assert.deepEqual(goneMembers(["person", "b2"], view("active", ["a1", "person"])), ["b2"]);
  assert.deepEqual(goneMembers(["person"], view("ended", null)), ["person"]);
  assert.deepEqual(goneMembers(["person"], view("active", null)), [], "no list: keep them");
  assert.deepEqual(goneMembers(["person", "b2"], view("active", ["a1", "person~", "b2"])), ["person"], "the away person's connection died with their page");
});

test("personAway tells the call panel to show reconnecting", () => {
  assert.equal(personAway(view("active", ["a1", "person~"])), true);
  assert.equal(personAway(view("active", ["a1", "person"])), false);
  assert.equal(personAway(view("ended", null)), false);
  assert.equal(personAway(null), false);
});
