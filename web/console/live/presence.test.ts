import { test } from "node:test";
import assert from "node:assert/strict";
import { nextPersonLink, PersonLink, personLinkText } from "./presence";

test("nextPersonLink follows the presence frames", () => {
  const cases: { name: string; prev: PersonLink; person: string | undefined; want: PersonLink }[] = [
    { name: "first frame: connected", prev: "unknown", person: "connected", want: "connected" },
    { name: "first frame: away", prev: "unknown", person: "away", want: "disconnected" },
    { name: "the page closes", prev: "connected", person: "away", want: "disconnected" },
    { name: "the next page connects", prev: "disconnected", person: "connected", want: "back" },
    { name: "still back on another frame", prev: "back", person: "connected", want: "back" },
    { name: "gone again", prev: "back", person: "away", want: "disconnected" },
    { name: "a frame without the person changes nothing", prev: "connected", person: undefined, want: "connected" },
    { name: "an unknown word changes nothing", prev: "disconnected", person: "sideways", want: "disconnected" },
  ];
  for (const c of cases) assert.equal(nextPersonLink(c.prev, c.person), c.want, c.name);
});

test("every state has a label", () => {
  for (const k of ["unknown", "connected", "disconnected", "back"] as PersonLink[]) assert.ok(personLinkText[k].label.startsWith("Person"), k);
});
