// The member picker: a combobox (an input and the listbox of what it
// finds) over the directory of users and, where given, the bots one can
// add. Arrow keys move through the options, Enter chooses one (or what was
// typed, when it is "user:ID" or "bot:ID" accounts), Escape closes the list.

import { useEffect, useId, useRef, useState } from "preact/hooks";
import type { Bot } from "../bots/api";
import { Avatar } from "../common/ui";
import { AccountOption, accountOptions, DirectoryUser, searchDelayMs, typedAccounts, usersApi } from "./directory";

/** Props of AccountPicker. */
export interface PickerProps {
  label: string;
  placeholder: string;
  testid: string;
  /** The bots to offer besides users; none when undefined. */
  bots?: readonly Bot[];
  /** Accounts not to offer: members already, chosen ones. */
  exclude: readonly string[];
  /** Called with the option chosen, or with each account typed by hand (kind from its prefix). */
  onPick(o: AccountOption): void;
  /** Searches the directory (usersApi.search by default). */
  search?: (q: string) => Promise<DirectoryUser[]>;
}

/** A combobox that finds colleagues (and bots) as one types. */
export function AccountPicker(p: PickerProps) {
  const id = `picker-${useId()}`;
  const [text, setText] = useState("");
  const [users, setUsers] = useState<DirectoryUser[]>([]);
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(0);
  const [err, setErr] = useState<string | null>(null);
  const asked = useRef(0);

  // Ask the directory once typing pauses; answers to older queries are dropped.
  useEffect(() => {
    if (typedAccounts(text)) return;
    const n = ++asked.current;
    const t = setTimeout(() => {
      (p.search ?? usersApi.search)(text)
        .then((us) => {
          if (n !== asked.current) return;
          setUsers(us);
          setErr(null);
        })
        .catch(() => n === asked.current && setErr("The directory could not be searched; type user:ID instead."));
    }, searchDelayMs);
    return () => clearTimeout(t);
  }, [text]);

  const options = accountOptions(users, p.bots ?? [], text, p.exclude);
  const shown = open && options.length > 0;
  const sel = Math.min(active, Math.max(options.length - 1, 0));
  const optionId = (i: number) => `${id}-${i}`;

  const choose = (o: AccountOption) => {
    p.onPick(o);
    setText("");
    setActive(0);
    setOpen(false);
  };

  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      if (!shown) {
        setOpen(true);
        return;
      }
      setActive((sel + (e.key === "ArrowDown" ? 1 : options.length - 1)) % options.length);
      return;
    }
    if (e.key === "Enter") {
      // Enter chooses; it never submits the dialog's form from here.
      e.preventDefault();
      const typed = typedAccounts(text);
      if (typed) {
        for (const a of typed) choose({ account: a, kind: a.startsWith("bot:") ? "bot" : "user", name: a, detail: "" });
      } else if (shown) {
        choose(options[sel]);
      }
      return;
    }
    if (e.key === "Escape" && shown) {
      // The list closes; a second Escape closes the dialog.
      e.preventDefault();
      e.stopPropagation();
      setOpen(false);
    }
  };

  return (
    <div class="picker">
      <label class="field">
        <span>{p.label}</span>
        <input
          value={text}
          placeholder={p.placeholder}
          role="combobox"
          aria-autocomplete="list"
          aria-expanded={shown}
          aria-controls={id}
          aria-activedescendant={shown ? optionId(sel) : undefined}
          autoComplete="off"
          data-testid={p.testid}
          onInput={(e) => {
            setText((e.currentTarget as HTMLInputElement).value);
            setActive(0);
            setOpen(true);
          }}
          onKeyDown={onKeyDown}
          // A keypress of Enter (which some input methods and automation
          // send apart from the keydown) would submit the dialog's form.
          onKeyPress={(e: KeyboardEvent) => e.key === "Enter" && e.preventDefault()}
          onFocus={() => setOpen(true)}
          onBlur={() => setOpen(false)}
        />
      </label>
      <ul class="completions picker-list" id={id} role="listbox" aria-label={p.label} hidden={!shown} data-testid={`${p.testid}-options`}>
        {shown &&
          options.map((o, i) => (
            <li
              key={o.account}
              id={optionId(i)}
              role="option"
              aria-selected={i === sel}
              class={`completion picker-option${i === sel ? " on" : ""}`}
              data-testid="picker-option"
              data-account={o.account}
              onMouseDown={(e) => {
                // Keep the focus in the input, where the keys work.
                e.preventDefault();
                choose(o);
              }}
            >
              <Avatar name={o.name} size={20} />
              <span class="pick-main">
                <span class="completion-name">{o.name}</span>
                {o.detail && <span class="muted small">{o.detail}</span>}
              </span>
              {o.kind === "bot" && <span class="msg-tag">{o.recommended ? "recommended bot" : "bot"}</span>}
            </li>
          ))}
      </ul>
      {err && <div class="muted small" role="status">{err}</div>}
    </div>
  );
}
