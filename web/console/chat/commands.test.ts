import { test } from "node:test";
import assert from "node:assert/strict";
import type { CommandInfo } from "./api";
import { commandQuery, commandText, filterCommands, outgoing } from "./commands";

const c = (name: string, botName: string, description = "", hint = ""): CommandInfo => ({ botId: botName, botName, name, description, hint });
const cmds = [c("ticket", "tickets", "Open a ticket", "[title] [priority]"), c("status", "ops", "Service status"), c("tally", "ops", "Count open tickets"), c("deploy", "ci", "Deploy a branch", "[branch]")];

test("commandQuery: the name being typed after a leading slash, until a space", () => {
  const cases: [string, string | null][] = [
    ["/", ""],
    ["/ti", "ti"],
    ["/ticket", "ticket"],
    ["/ticket now", null],
    ["//literal", null],
    ["hello /ticket", null],
    ["", null],
  ];
  for (const [text, want] of cases) assert.equal(commandQuery(text), want, text);
});

test("filterCommands: every command for /, name prefixes first, then names or descriptions containing it", () => {
  const names = (q: string) => filterCommands(cmds, q).map((x) => x.name);
  assert.deepEqual(names(""), ["deploy", "status", "tally", "ticket"]);
  assert.deepEqual(names("t"), ["tally", "ticket", "status"], "status contains a t");
  assert.deepEqual(names("TIC"), ["ticket", "tally"], "case-insensitive; tally's description mentions tickets");
  assert.deepEqual(names("branch"), ["deploy"]);
  assert.deepEqual(names("zzz"), []);
});

test("outgoing: a known /command runs with its text, unknown ones are not posted, // escapes", () => {
  assert.deepEqual(outgoing("/ticket Printer on fire  high", cmds), { kind: "command", command: cmds[0], text: "Printer on fire  high" });
  assert.deepEqual(outgoing("/STATUS", cmds), { kind: "command", command: cmds[1], text: "" });
  assert.deepEqual(outgoing("/ticket\nsecond line", cmds), { kind: "command", command: cmds[0], text: "second line" });
  assert.deepEqual(outgoing("/nope x", cmds), { kind: "unknown", name: "nope" });
  assert.deepEqual(outgoing("//ticket is a command", cmds), { kind: "message", text: "/ticket is a command" });
  assert.deepEqual(outgoing("hi /ticket", cmds), { kind: "message", text: "hi /ticket" });
  assert.deepEqual(outgoing("/usr/bin/env", cmds), { kind: "message", text: "/usr/bin/env" }, "a path is a message");
  assert.equal(commandText(cmds[0]), "/ticket ");
});
