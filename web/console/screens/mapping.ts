// The screen mapping editor's logic (docs/native-screens.md, "Mapping"):
// what the admin typed, checked as the SDK and the server check it.

import { checkMapping } from "../../shared/screenmap";

/** The result of checking the editor's text: the mapping to save (null for none), or the first problem. */
export type Checked = { ok: true; mapping: unknown } | { ok: false; error: string };

/** Checks the editor's text; empty text is no mapping. */
export function checkText(text: string): Checked {
  if (!text.trim()) return { ok: true, mapping: null };
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    return { ok: false, error: "Not JSON: " + (e instanceof Error ? e.message : String(e)) };
  }
  if (v === null) return { ok: true, mapping: null };
  try {
    checkMapping(v);
  } catch (e) {
    return { ok: false, error: e instanceof Error ? e.message : String(e) };
  }
  return { ok: true, mapping: v };
}

/** The editor's text for a stored mapping. */
export function textOf(mapping: unknown): string {
  return mapping == null ? "" : JSON.stringify(mapping, null, 2);
}
