// The "Fix page" menu: ask the person's page to clear its storage or cookies
// or reload, and show what the person answered.

import { useEffect, useRef, useState } from "preact/hooks";
import { repairActions, repairWords } from "./interact";
import type { LiveSession } from "./live";
import { Icon, Spinner } from "../common/ui";

/** The menu button and its popover. */
export function RepairMenu({ session }: { session: LiveSession }) {
  const [open, setOpen] = useState(false);
  const [picked, setPicked] = useState<Set<string>>(() => new Set(["reload"]));
  const box = useRef<HTMLDivElement>(null);
  const ix = session.interact;
  const r = ix.repair;

  useEffect(() => {
    if (!open) return;
    const away = (e: MouseEvent) => {
      if (box.current && !box.current.contains(e.target as Node)) setOpen(false);
    };
    const esc = (e: KeyboardEvent) => e.key === "Escape" && setOpen(false);
    document.addEventListener("mousedown", away);
    document.addEventListener("keydown", esc);
    return () => {
      document.removeEventListener("mousedown", away);
      document.removeEventListener("keydown", esc);
    };
  }, [open]);

  const toggle = (id: string) => {
    const next = new Set(picked);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setPicked(next);
  };
  const ask = () => ix.requestRepair(repairActions.map((a) => a.id).filter((id) => picked.has(id)));

  return (
    <div class="tb-menu" ref={box}>
      <button
        class={`tb-btn with-text${open ? " on" : ""}`}
        data-testid="repair-open"
        data-tip="Ask the person's page to fix itself"
        aria-label="Fix page"
        aria-expanded={open}
        onClick={() => setOpen(!open)}
      >
        <Icon name="wrench" />
        <span class="tb-text">Fix page</span>
      </button>
      {open && (
        <div class="popover" role="dialog" aria-label="Fix page" data-testid="repair-menu">
          <div class="popover-title">Fix the person's page</div>
          <div class="muted small">The person is asked first; nothing happens unless they allow.</div>
          <div class="checks">
            {repairActions.map((a) => (
              <label key={a.id} class="check">
                <input type="checkbox" data-testid={`repair-${a.id}`} checked={picked.has(a.id)} onChange={() => toggle(a.id)} />
                {a.label}
              </label>
            ))}
          </div>
          <div class="popover-actions">
            <button class="btn btn-primary" data-testid="repair-ask" disabled={picked.size === 0 || r.pending} onClick={ask}>
              {r.pending ? <Spinner /> : null} Ask
            </button>
          </div>
          <RepairAnswer pending={r.pending} answer={r.answer} />
        </div>
      )}
      {!open && (r.pending || r.answer) && <RepairAnswer pending={r.pending} answer={r.answer} compact />}
    </div>
  );
}

function RepairAnswer(props: { pending: boolean; answer: { allow: boolean; done: string[] } | null; compact?: boolean }) {
  const { pending, answer } = props;
  if (!pending && !answer) return null;
  let text: string;
  let tone: string;
  if (pending) {
    text = "Waiting for the person…";
    tone = "wait";
  } else if (answer!.allow) {
    text = answer!.done.length ? `Done: ${repairWords(answer!.done)}` : "Allowed";
    tone = "ok";
  } else {
    text = "The person declined";
    tone = "bad";
  }
  return (
    <div class={`repair-answer ${tone}${props.compact ? " compact" : ""}`} data-testid="repair-answer" data-state={tone} role="status">
      {text}
    </div>
  );
}
