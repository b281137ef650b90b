import { test } from "node:test";
import assert from "node:assert/strict";
import { parseRoute, paths } from "../app/routes";
import { auditPath, inviteToken, type AuditQuery } from "./api";

test("auditPath keeps only the filters given", () => {
  const cases: [AuditQuery, string][] = [
    [{}, "/admin/audit"],
    [{ actor: " agent:1 " }, "/admin/audit?actor=agent%3A1"],
    [{ action: "join", session: "a1", before: 7, limit: 50 }, "/admin/audit?action=join&session=a1&before=7&limit=50"],
    [{ actor: "  ", before: 0 }, "/admin/audit"],
  ];
  for (const [q, want] of cases) assert.equal(auditPath(q), want, JSON.stringify(q));
});

test("inviteToken reads #invite=TOKEN and nothing else", () => {
  const cases: [string, string][] = [
    ["#invite=abc_DEF-1", "abc_DEF-1"],
    ["", ""],
    ["#invite=", ""],
    ["#invite=a b", ""],
    ["#other=abc", ""],
  ];
  for (const [hash, want] of cases) assert.equal(inviteToken(hash), want, hash);
});

test("the admin screen has its address", () => {
  assert.deepEqual(parseRoute(paths.admin), { name: "admin" });
});
