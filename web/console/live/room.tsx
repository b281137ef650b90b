// Room for the page: the live view's side panel and devtools collapse (each
// agent's choice remembered in this browser), the mirror fills the window
// or the screen, and single keys do all of it; "?" lists them.

import type { RefObject } from "preact";
import { useEffect, useState } from "preact/hooks";
import { helpShortcut, Shortcut, ShortcutHelp, useScreenShortcuts } from "../common/shortcuts";

/** What the agent has folded away or enlarged. */
export interface RoomLayout {
  sideHidden: boolean;
  devtoolsHidden: boolean;
  /** The mirror fills the browser window (no header, no side panel). */
  fill: boolean;
}

const defaultLayout: RoomLayout = { sideHidden: false, devtoolsHidden: false, fill: false };

/** The localStorage key of an agent's layout: agents sharing a browser keep their own. */
export function layoutKey(agentId: string): string {
  return "tandem.room." + agentId;
}

/** parseLayout reads a saved layout; anything unreadable is the default. */
export function parseLayout(saved: string | null): RoomLayout {
  if (!saved) return { ...defaultLayout };
  try {
    const v = JSON.parse(saved) as Partial<RoomLayout> | null;
    if (!v || typeof v !== "object") return { ...defaultLayout };
    return { sideHidden: v.sideHidden === true, devtoolsHidden: v.devtoolsHidden === true, fill: v.fill === true };
  } catch {
    return { ...defaultLayout };
  }
}

function load(agentId: string): RoomLayout {
  try {
    return parseLayout(localStorage.getItem(layoutKey(agentId)));
  } catch {
    return { ...defaultLayout };
  }
}

/** What the room's keys do. */
export const roomActions = ["side", "devtools", "fill", "fullscreen", "leaveFill"] as const;
type RoomAction = (typeof roomActions)[number];

/** The live view's shortcuts, in the order the help lists them; the room's key handler reads it. */
export const shortcuts: readonly Shortcut<RoomAction | "help">[] = [
  helpShortcut,
  { keys: "S", what: "Show or hide the side panel", act: "side", on: ["s"] },
  { keys: "D", what: "Show or hide the devtools", act: "devtools", on: ["d"] },
  { keys: "M", what: "Mirror fills the window (again to leave)", act: "fill", on: ["m"] },
  { keys: "Shift+F", what: "Full screen (Esc leaves)", act: "fullscreen", on: ["F"] },
  { keys: "F", what: "Fit the page to the mirror" },
  { keys: "1", what: "Page at actual size" },
  { keys: "/", what: "Filter the devtools rows" },
  { keys: "Esc", what: "Leave fill mode, close this help", act: "leaveFill", on: ["Escape"] },
  { keys: "Shift+Esc", what: "Leave the mirror while you control the page" },
];

/** The state and actions of the room, with its shortcuts installed. */
export interface Room extends RoomLayout {
  fullscreen: boolean;
  helpOpen: boolean;
  toggleSide(): void;
  toggleDevtools(): void;
  toggleFill(): void;
  toggleFullscreen(): void;
  setHelp(open: boolean): void;
}

/**
 * useRoom keeps the agent's layout, and installs the room's shortcuts. They
 * stay quiet while the agent types in a field (useShortcuts) and while the
 * agent holds control with focus in the mirror: those keys are the person's.
 */
export function useRoom(agentId: string, stage: RefObject<HTMLElement | null>, inControl: () => boolean): Room {
  const [layout, setLayout] = useState<RoomLayout>(() => load(agentId));
  const [fullscreen, setFullscreen] = useState(false);

  const save = (next: RoomLayout) => {
    setLayout(next);
    try {
      localStorage.setItem(layoutKey(agentId), JSON.stringify(next));
    } catch {
      // private mode: the layout lasts for this page only
    }
  };

  useEffect(() => {
    const on = () => setFullscreen(!!document.fullscreenElement && document.fullscreenElement === stage.current);
    document.addEventListener("fullscreenchange", on);
    return () => document.removeEventListener("fullscreenchange", on);
  }, []);

  const toggleFullscreen = () => {
    const el = stage.current;
    if (!el) return;
    if (document.fullscreenElement) document.exitFullscreen().catch(() => undefined);
    else if (el.requestFullscreen) el.requestFullscreen().catch(() => undefined);
  };

  const toggleSide = () => save({ ...layout, sideHidden: !layout.sideHidden });
  const toggleDevtools = () => save({ ...layout, devtoolsHidden: !layout.devtoolsHidden });
  const toggleFill = () => save({ ...layout, fill: !layout.fill });

  // The help opens with "?" (from the stage too, where it shows in full screen).
  const [helpOpen, setHelp] = useScreenShortcuts<RoomAction>(
    shortcuts,
    {
      side: toggleSide,
      devtools: toggleDevtools,
      fill: toggleFill,
      fullscreen: toggleFullscreen,
      leaveFill: () => layout.fill && toggleFill(),
    },
    () => {
      const el = stage.current;
      return inControl() && !!el && el.contains(document.activeElement);
    },
  );

  return { ...layout, fullscreen, helpOpen, toggleSide, toggleDevtools, toggleFill, toggleFullscreen, setHelp };
}

/** The "?" help with the live view's shortcuts. */
export function RoomHelp({ onClose }: { onClose(): void }) {
  return (
    <ShortcutHelp shortcuts={shortcuts} onClose={onClose}>
      Shortcuts do nothing while you type in a field, or while you control the person's page with the mirror focused: then every key but Shift+Esc is
      the person's.
    </ShortcutHelp>
  );
}
