import { test } from "node:test";
import assert from "node:assert/strict";
import type { Conversation, Member } from "./api";
import { conversationTitle, previewText } from "./title";

const mem = (account: string, kind: Member["kind"], name: string): Member => ({ account, kind, name });
const c = (kind: Conversation["kind"], name?: string): Conversation => ({ id: "c", kind, name });

test("conversationTitle: the name, else the other side", () => {
  const me = "user:me";
  const ms = [mem(me, "user", "Me"), mem("user:a", "user", "Ada"), mem("person:c", "person", "Pat")];
  assert.equal(conversationTitle(c("group", "Ops"), ms, me), "Ops");
  assert.equal(conversationTitle(c("direct"), ms.slice(0, 2), me), "Ada");
  assert.equal(conversationTitle(c("direct"), undefined, me), "Direct conversation");
  assert.equal(conversationTitle(c("support"), ms, me), "Pat");
  assert.equal(conversationTitle(c("support"), [], me), "Visitor");
  assert.equal(conversationTitle(c("group"), ms.slice(0, 2), me), "Ada");
  assert.equal(conversationTitle(c("group"), [ms[0]], me), "Untitled group");
});

test("previewText: text squeezed to one line, else a block's text, else the files", () => {
  assert.equal(previewText(null), "");
  assert.equal(previewText({ text: " a\n\n b " }), "a b");
  assert.equal(previewText({ blocks: [{ type: "divider" }, { type: "section", text: "Deploy done" }] }), "Deploy done");
  assert.equal(previewText({ attachments: [{ name: "a.png" }, { name: "b.pdf" }] }), "📎 a.png, b.pdf");
});

