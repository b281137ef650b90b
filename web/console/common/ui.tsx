// Small building blocks shared by the screens: icons, pills, buttons, empty
// states, a modal dialog, avatars and a ticking clock.

import type { ComponentChildren, TargetedMouseEvent } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { nextInTabOrder, tabOrder } from "../../shared/dom";
import { initials } from "../../shared/format";

/** The elements that may take the focus (tabOrder keeps those Tab reaches). */
export const focusable = "a[href], button, input, select, textarea, [tabindex]";

const iconPaths: Record<string, string> = {
  queue: "M4 6h16M4 12h16M4 18h10",
  history: "M12 8v4l3 2M3.05 11a9 9 0 1 1 .5 4M3 4v4h4",
  terminal: "M4 17l6-5-6-5M12 19h8",
  logout: "M15 4h4v16h-4M10 17l5-5-5-5M15 12H3",
  copy: "M9 9h11v11H9zM5 15H4V4h11v1",
  play: "M7 4l13 8-13 8z",
  pause: "M7 4h4v16H7zM14 4h4v16h-4z",
  external: "M14 4h6v6M20 4l-9 9M18 14v6H4V6h6",
  invite: "M4 12v8h16v-8M12 3v12M8 7l4-4 4 4",
  close: "M6 6l12 12M18 6L6 18",
  refresh: "M20 11a8 8 0 1 0-2.3 5.7M20 4v7h-7",
  replay: "M4 12a8 8 0 1 0 3-6.2M4 4v5h5M10 9l5 3-5 3z",
  stop: "M6 6h12v12H6z",
  fit: "M4 9V4h5M20 9V4h-5M4 15v5h5M20 15v5h-5",
  page: "M6 3h9l4 4v14H6zM14 3v5h5",
  user: "M12 12a4 4 0 1 0 0-8 4 4 0 0 0 0 8zM4 21a8 8 0 0 1 16 0",
  search: "M11 18a7 7 0 1 0 0-14 7 7 0 0 0 0 14zM21 21l-5-5",
  pointer: "M5 3l14 7-6 2-2 6z",
  pen: "M4 20l4-1L19 8l-3-3L5 16zM14 7l3 3",
  hand: "M8 13V5.5a1.5 1.5 0 0 1 3 0V11M11 10.5V4a1.5 1.5 0 0 1 3 0v7M14 10.5V5.5a1.5 1.5 0 0 1 3 0V14a6 6 0 0 1-6 6h-.5a6 6 0 0 1-4.8-2.4l-2.4-3.3a1.5 1.5 0 0 1 2.4-1.8L8 15",
  phone: "M5 4h4l2 5-2.5 1.5a11 11 0 0 0 5 5L15 13l5 2v4a2 2 0 0 1-2 2A16 16 0 0 1 3 6a2 2 0 0 1 2-2",
  hangup: "M3 14.5c5-4.5 13-4.5 18 0l-2.2 2.3-3.3-1.3v-2.6a10 10 0 0 0-7 0v2.6l-3.3 1.3z",
  video: "M3 7h12v10H3zM15 10.5l6-3.5v10l-6-3.5",
  "video-off": "M3 7h12v10H3zM15 10.5l6-3.5v10l-6-3.5M2 3l20 18",
  mic: "M12 3a3 3 0 0 1 3 3v5a3 3 0 0 1-6 0V6a3 3 0 0 1 3-3zM5 11a7 7 0 0 0 14 0M12 18v3",
  "mic-off": "M12 3a3 3 0 0 1 3 3v5a3 3 0 0 1-6 0V6a3 3 0 0 1 3-3zM5 11a7 7 0 0 0 14 0M12 18v3M3 3l18 18",
  back: "M19 12H5M11 6l-6 6 6 6",
  forward: "M5 12h14M13 6l6 6-6 6",
  wrench: "M14.7 6.3a4 4 0 0 0-5.4 5.4L3 18l3 3 6.3-6.3a4 4 0 0 0 5.4-5.4l-2.5 2.5-2.4-.6-.6-2.4z",
  handover: "M4 17l10-10M14 7H7M14 7v7M20 4v16",
  chat: "M4 5h16v11H9l-5 4z",
  bot: "M5 9h14v10H5zM12 5v4M9 13h.01M15 13h.01M9 16h6M12 3v2",
  attach: "M20 11l-8.5 8.5a5 5 0 0 1-7-7L13 4a3.5 3.5 0 0 1 5 5l-8.5 8.5a2 2 0 0 1-3-3L14 7",
  send: "M4 12l16-8-6 16-2-7z",
  members: "M9 11a3 3 0 1 0 0-6 3 3 0 0 0 0 6zM3 20a6 6 0 0 1 12 0M16 5a3 3 0 0 1 0 6M18 14a5 5 0 0 1 3 6",
  plus: "M12 5v14M5 12h14",
  trash: "M4 7h16M9 7V4h6v3M6 7l1 13h10l1-13",
};

/** A stroke icon from the set above. */
export function Icon({ name, size = 16 }: { name: keyof typeof iconPaths | string; size?: number }) {
  return (
    <svg
      class="icon"
      width={size}
      height={size}
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      stroke-width="2"
      stroke-linecap="round"
      stroke-linejoin="round"
      aria-hidden="true"
    >
      <path d={iconPaths[name] ?? ""} />
    </svg>
  );
}

const stateLabels: Record<string, string> = {
  waiting: "Waiting",
  consenting: "Asking consent",
  live: "Live",
  ended: "Ended",
};

/** A colored pill showing an assist's state; its text is the state itself. */
export function StatePill({ state, testid }: { state: string; testid?: string }) {
  return (
    <span class={`pill pill-${state}`} data-testid={testid} title={stateLabels[state] ?? state}>
      <span class="dot" />
      {state}
    </span>
  );
}

/** A pill with a tone: ok, warn, bad or neutral. */
export function Pill(props: { tone: "ok" | "warn" | "bad" | "neutral"; testid?: string; title?: string; class?: string; children: ComponentChildren }) {
  return (
    <span class={`pill tone-${props.tone}${props.class ? ` ${props.class}` : ""}`} data-testid={props.testid} title={props.title}>
      <span class="dot" />
      {props.children}
    </span>
  );
}

/** A centered message for a screen or panel with nothing to show yet. */
export function Empty(props: { title: string; children?: ComponentChildren; icon?: string }) {
  return (
    <div class="empty">
      {props.icon && (
        <div class="empty-icon">
          <Icon name={props.icon} size={22} />
        </div>
      )}
      <div class="empty-title">{props.title}</div>
      {props.children && <div class="empty-text">{props.children}</div>}
    </div>
  );
}

/** A small spinner. */
export function Spinner() {
  return <span class="spinner" aria-hidden="true" />;
}

/** A spinner with what is loading ("Loading…" unless told); inline within a form field. */
export function Loading({ children = "Loading…", inline }: { children?: ComponentChildren; inline?: boolean }) {
  return (
    <div class={inline ? "loading-inline" : "loading"}>
      <Spinner /> {children}
    </div>
  );
}

/** An error banner. */
export function ErrorNote({ message, testid }: { message: string | null; testid?: string }) {
  if (!message) return null;
  return (
    <div class="error-note" role="alert" data-testid={testid}>
      {message}
    </div>
  );
}

/** A modal dialog: Escape and the backdrop close it, focus moves into it. */
export function Dialog(props: { title: string; onClose: () => void; children: ComponentChildren; testid?: string }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const prev = document.activeElement as HTMLElement | null;
    const first = box.current?.querySelector<HTMLElement>("input, select, button, textarea");
    first?.focus();
    const key = (e: KeyboardEvent) => {
      if (e.key === "Escape") {
        e.preventDefault();
        props.onClose();
      } else if (e.key === "Tab" && box.current) {
        // Keep Tab inside the dialog: from the last control to the first and back.
        const order = tabOrder([...box.current.querySelectorAll<HTMLElement>(focusable)]);
        const next = nextInTabOrder(order, document.activeElement as HTMLElement, e.shiftKey);
        if (next) {
          e.preventDefault();
          next.focus();
        }
      }
    };
    document.addEventListener("keydown", key);
    return () => {
      document.removeEventListener("keydown", key);
      prev?.focus?.();
    };
  }, []);
  const backdrop = (e: TargetedMouseEvent<HTMLDivElement>) => {
    if (e.target === e.currentTarget) props.onClose();
  };
  return (
    <div class="backdrop" onMouseDown={backdrop}>
      <div class="dialog" role="dialog" aria-modal="true" aria-label={props.title} ref={box} data-testid={props.testid}>
        <div class="dialog-head">
          <h2>{props.title}</h2>
          <button class="btn btn-ghost btn-icon" onClick={props.onClose} aria-label="Close">
            <Icon name="close" />
          </button>
        </div>
        <div class="dialog-body">{props.children}</div>
      </div>
    </div>
  );
}

/** A round avatar with initials. */
export function Avatar({ name, size = 24, title }: { name: string; size?: number; title?: string }) {
  let hue = 0;
  for (const ch of name) hue = (hue * 31 + ch.charCodeAt(0)) % 360;
  return (
    <span
      class="avatar"
      title={title ?? name}
      style={{ width: `${size}px`, height: `${size}px`, fontSize: `${Math.round(size * 0.42)}px`, background: `hsl(${hue} 55% 45%)` }}
    >
      {initials(name)}
    </span>
  );
}

/** Returns Date.now(), updated every intervalMs while the component is mounted. */
export function useNow(intervalMs = 1000): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(t);
  }, [intervalMs]);
  return now;
}

/** Reports whether a keyboard event comes from a text field (where shortcuts must not fire). */
function typingIn(e: KeyboardEvent): boolean {
  const t = e.target as HTMLElement | null;
  if (!t) return false;
  const tag = t.tagName;
  return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || t.isContentEditable;
}

/**
 * Calls onKey for keys pressed outside text fields and without Cmd, Ctrl or
 * Alt: the screens' single-key shortcuts. onKey may change between renders.
 */
export function useShortcuts(onKey: (e: KeyboardEvent) => void): void {
  const latest = useRef(onKey);
  latest.current = onKey;
  useEffect(() => {
    const key = (e: KeyboardEvent) => {
      if (!typingIn(e) && !e.metaKey && !e.ctrlKey && !e.altKey) latest.current(e);
    };
    document.addEventListener("keydown", key);
    return () => document.removeEventListener("keydown", key);
  }, []);
}

/** An icon button with a tooltip. */
export function TipButton(props: {
  icon: string;
  tip: string;
  testid?: string;
  pressed?: boolean;
  disabled?: boolean;
  tone?: "primary" | "danger";
  onClick(): void;
  children?: ComponentChildren;
}) {
  const cls = `tb-btn${props.children ? " with-text" : ""}${props.pressed ? " on" : ""}${props.tone ? ` tb-${props.tone}` : ""}`;
  return (
    <button
      class={cls}
      data-tip={props.tip}
      // The text may be hidden where the toolbar is narrow: the name stays.
      aria-label={typeof props.children === "string" ? props.children : props.tip}
      aria-pressed={props.pressed === undefined ? undefined : props.pressed}
      data-testid={props.testid}
      disabled={props.disabled}
      onClick={props.onClick}
    >
      <Icon name={props.icon} />
      {props.children && <span class="tb-text">{props.children}</span>}
    </button>
  );
}
