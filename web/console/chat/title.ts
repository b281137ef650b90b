// What a conversation is called where it is listed or opened.

import type { Conversation, Member } from "./api";

/**
 * Returns the conversation's title: its name; for a direct conversation
 * without one, the other member's name; for a support conversation, the
 * person's name (or "Visitor").
 */
export function conversationTitle(c: Conversation, members: readonly Member[] | undefined, me: string): string {
  if (c.name) return c.name;
  const others = (members ?? []).filter((m) => m.account !== me);
  if (c.kind === "support") return others.find((m) => m.kind === "person")?.name || "Visitor";
  if (c.kind === "direct") return others[0]?.name || "Direct conversation";
  return others.length ? others.map((m) => m.name).join(", ") : "Untitled group";
}

/** A one-line preview of a message for the list: its text, else what it carries. */
export function previewText(m: { text?: string; blocks?: { type: string; text?: string }[]; attachments?: { name: string }[] } | null): string {
  if (!m) return "";
  const text = (m.text ?? "").replace(/\s+/g, " ").trim();
  if (text) return text;
  const block = m.blocks?.find((b) => b.text)?.text;
  if (block) return block.replace(/\s+/g, " ").trim();
  if (m.attachments?.length) return `📎 ${m.attachments.map((a) => a.name).join(", ")}`;
  return "";
}
