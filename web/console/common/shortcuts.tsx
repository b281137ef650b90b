// The "?" help every screen with single-key shortcuts shows: one list per
// screen, which both the help draws and the screen's key handler reads, so
// the help cannot say a key does something it does not.

import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";
import { Dialog, useShortcuts } from "./ui";

/** One shortcut of a screen. */
export interface Shortcut<A extends string = string> {
  /** The keys as the help shows them, e.g. "Shift+F". */
  keys: string;
  /** What the keys do, in the help. */
  what: string;
  /**
   * The action the screen's key handler runs, with the KeyboardEvent.key
   * values that run it. Absent for keys another part of the screen handles
   * itself (a focused row's Enter, the mirror's Shift+Esc): listed, not
   * dispatched from here.
   */
  act?: A;
  on?: readonly string[];
}

/** shortcutAction finds the action a key runs on a screen, if any. */
export function shortcutAction<A extends string>(list: readonly Shortcut<A>[], key: string): A | undefined {
  for (const s of list) if (s.act && s.on?.includes(key)) return s.act;
  return undefined;
}

/** The key that opens the help, on every screen. */
export const helpKey = "?";

/** The help's own entry, first in every screen's list. */
export const helpShortcut: Shortcut<"help"> = { keys: "?", what: "Show these shortcuts", act: "help", on: [helpKey] };

/**
 * useScreenShortcuts installs a screen's shortcuts (quiet in text fields,
 * see useShortcuts) and the "?" help. run gets the action of each key in
 * the list; the keys of an open help are the dialog's. before may swallow a
 * key first (return true), e.g. while the agent controls the person's page.
 */
export function useScreenShortcuts<A extends string>(
  list: readonly Shortcut<A | "help">[],
  run: Record<A, (e: KeyboardEvent) => void>,
  before?: (e: KeyboardEvent) => boolean,
): [boolean, (open: boolean) => void] {
  const [helpOpen, setHelp] = useState(false);
  useShortcuts((e) => {
    if (helpOpen) return; // the dialog has the keyboard
    if (before?.(e)) return;
    const act = shortcutAction(list, e.key);
    if (!act) return;
    e.preventDefault();
    if (act === "help") setHelp(true);
    else run[act as A](e);
  });
  return [helpOpen, setHelp];
}

/** The "?" help: a screen's shortcuts in a modal dialog. */
export function ShortcutHelp(props: { shortcuts: readonly Shortcut[]; onClose(): void; children?: ComponentChildren }) {
  const { shortcuts, onClose } = props;
  return (
    <Dialog title="Keyboard shortcuts" onClose={onClose} testid="shortcut-help">
      <table class="shortcut-table">
        <tbody>
          {shortcuts.map((s) => (
            <tr key={s.keys} data-testid="shortcut">
              <th scope="row">
                {s.keys.split("+").map((k, i) => (
                  <>
                    {i > 0 && "+"}
                    <kbd>{k}</kbd>
                  </>
                ))}
              </th>
              <td>{s.what}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {props.children && <p class="muted small">{props.children}</p>}
      <div class="dialog-actions">
        <button class="btn" data-testid="shortcut-help-close" onClick={onClose}>
          Close
        </button>
      </div>
    </Dialog>
  );
}
