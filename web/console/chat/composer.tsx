// The composer under a conversation: Enter sends, Shift+Enter starts a new
// line; "@" completes members and "/" lists the conversation's commands
// with their hints (arrows to choose, Enter or Tab to pick, Escape to
// close); files are uploaded as they are chosen and go with the next
// message.

import { useEffect, useRef, useState } from "preact/hooks";
import { errorMessage } from "../../shared/api";
import { ErrorNote, Icon, Spinner } from "../common/ui";
import { Attachment, chatApi, CommandInfo, maxAttachmentBytes, Member, Message } from "./api";
import { commandQuery, commandText, filterCommands, outgoing } from "./commands";
import { clientId } from "./history";
import { applyMention, completeMentions, handleOf, mentionAt, MentionQuery } from "./mentions";
import { TypingSender } from "./typing";

/** What the composer needs from its conversation view. */
export interface ComposerProps {
  conversationId: string;
  members: readonly Member[];
  me: string;
  /** Called with the stored message after a post. */
  onPosted(m: Message): void;
  /** Called after a command was accepted (its answer arrives as messages or a notice). */
  onCommand?(name: string): void;
}

type Popup =
  | { kind: "mention"; q: MentionQuery; items: Member[] }
  | { kind: "command"; items: CommandInfo[] };

interface Upload {
  key: string;
  name: string;
  attachment?: Attachment;
  error?: string;
}

/** The composer. */
export function Composer(props: ComposerProps) {
  const { conversationId: id } = props;
  const [text, setText] = useState("");
  const [caret, setCaret] = useState(0);
  const [commands, setCommands] = useState<CommandInfo[] | null>(null);
  const [active, setActive] = useState(0);
  const [closed, setClosed] = useState(false);
  const [uploads, setUploads] = useState<Upload[]>([]);
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState<string | null>(null);
  const area = useRef<HTMLTextAreaElement>(null);
  const file = useRef<HTMLInputElement>(null);
  const [typing] = useState(() => new TypingSender(() => void chatApi.typing(id).catch(() => {})));
  const listId = `composer-list-${id}`;

  const loadCommands = async (): Promise<CommandInfo[]> => {
    if (commands) return commands;
    try {
      const r = await chatApi.commands(id);
      const list = r.commands ?? [];
      setCommands(list);
      return list;
    } catch {
      setCommands([]);
      return [];
    }
  };

  const cq = commandQuery(text);
  useEffect(() => {
    if (cq !== null && commands === null) void loadCommands();
  }, [cq !== null]);

  let popup: Popup | null = null;
  if (!closed) {
    const mq = mentionAt(text, caret);
    if (mq) {
      const items = completeMentions(props.members, mq.query, props.me);
      if (items.length) popup = { kind: "mention", q: mq, items };
    } else if (cq !== null && commands?.length) {
      const items = filterCommands(commands, cq);
      if (items.length) popup = { kind: "command", items };
    }
  }
  const count = popup?.items.length ?? 0;
  const sel = count ? Math.min(active, count - 1) : 0;

  const setValue = (v: string, c: number) => {
    setText(v);
    setCaret(c);
    setActive(0);
    setClosed(false);
    requestAnimationFrame(() => {
      const a = area.current;
      if (a) {
        a.focus();
        a.setSelectionRange(c, c);
      }
    });
  };

  const pick = (i: number) => {
    if (!popup) return;
    if (popup.kind === "mention") {
      const r = applyMention(text, popup.q, caret, handleOf(popup.items[i]));
      setValue(r.text, r.caret);
    } else {
      const t = commandText(popup.items[i]);
      setValue(t, t.length);
    }
  };

  const ready = uploads.filter((u) => u.attachment).map((u) => u.attachment!.id);
  const uploading = uploads.some((u) => !u.attachment && !u.error);

  const send = async () => {
    const body = text.trim();
    if ((!body && !ready.length) || busy || uploading) return;
    setBusy(true);
    setErr(null);
    try {
      const cmds = body.startsWith("/") && !body.startsWith("//") ? await loadCommands() : [];
      const out = outgoing(body, cmds);
      if (out.kind === "unknown") {
        setErr(`There is no /${out.name} command in this conversation. To post a message that starts with /, begin it with //.`);
        return;
      }
      if (out.kind === "command") {
        await chatApi.run(id, out.command.name, out.text);
        props.onCommand?.(out.command.name);
      } else {
        const m = await chatApi.post(id, out.text, clientId(), ready);
        props.onPosted(m);
        setUploads([]);
      }
      typing.sent();
      setValue("", 0);
    } catch (e) {
      setErr(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };

  const onKeyDown = (e: KeyboardEvent) => {
    if (popup) {
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        e.preventDefault();
        setActive((sel + (e.key === "ArrowDown" ? 1 : count - 1)) % count);
        return;
      }
      if ((e.key === "Enter" && !e.shiftKey) || e.key === "Tab") {
        e.preventDefault();
        pick(sel);
        return;
      }
      if (e.key === "Escape") {
        e.preventDefault();
        e.stopPropagation();
        setClosed(true);
        return;
      }
    }
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      void send();
    }
  };

  const onInput = (e: Event) => {
    const a = e.currentTarget as HTMLTextAreaElement;
    setText(a.value);
    setCaret(a.selectionStart ?? a.value.length);
    setClosed(false);
    setActive(0);
    if (a.value) typing.typed();
  };

  const choose = async (files: FileList | null) => {
    if (!files) return;
    for (const f of Array.from(files)) {
      const key = clientId();
      if (f.size > maxAttachmentBytes) {
        setUploads((us) => [...us, { key, name: f.name, error: "larger than 10 MB" }]);
        continue;
      }
      setUploads((us) => [...us, { key, name: f.name }]);
      chatApi
        .upload(id, f)
        .then((a) => setUploads((us) => us.map((u) => (u.key === key ? { ...u, attachment: a } : u))))
        .catch((e2) => setUploads((us) => us.map((u) => (u.key === key ? { ...u, error: errorMessage(e2) } : u))));
    }
    if (file.current) file.current.value = "";
  };

  const optionId = (i: number) => `${listId}-${i}`;
  return (
    <div class="composer" data-testid="composer">
      {popup && (
        <ul class="completions" id={listId} role="listbox" aria-label={popup.kind === "mention" ? "Members" : "Commands"} data-testid="completions">
          {popup.kind === "mention"
            ? popup.items.map((m, i) => (
                <li
                  key={m.account}
                  id={optionId(i)}
                  role="option"
                  aria-selected={i === sel}
                  class={`completion${i === sel ? " on" : ""}`}
                  data-testid="completion"
                  onMouseDown={(e) => {
                    e.preventDefault();
                    pick(i);
                  }}
                >
                  <span class="completion-name">@{handleOf(m)}</span>
                  <span class="muted small">
                    {m.name}
                    {m.kind === "bot" ? " · bot" : ""}
                  </span>
                </li>
              ))
            : popup.items.map((c, i) => (
                <li
                  key={`${c.botId}/${c.name}`}
                  id={optionId(i)}
                  role="option"
                  aria-selected={i === sel}
                  class={`completion${i === sel ? " on" : ""}`}
                  data-testid="command-option"
                  data-command={c.name}
                  onMouseDown={(e) => {
                    e.preventDefault();
                    pick(i);
                  }}
                >
                  <span class="completion-name">
                    /{c.name} {c.hint && <span class="completion-hint" data-testid="command-hint">{c.hint}</span>}
                  </span>
                  <span class="muted small">
                    {c.description}
                    {c.description ? " · " : ""}
                    {c.botName}
                  </span>
                </li>
              ))}
        </ul>
      )}
      {uploads.length > 0 && (
        <ul class="uploads" aria-label="Files to send">
          {uploads.map((u) => (
            <li key={u.key} class={`upload${u.error ? " failed" : ""}`} data-testid="upload" data-state={u.error ? "failed" : u.attachment ? "ready" : "uploading"}>
              {!u.attachment && !u.error && <Spinner />}
              <span class="upload-name">{u.name}</span>
              {u.error && <span class="bad-text small">{u.error}</span>}
              <button
                type="button"
                class="btn btn-ghost btn-icon"
                aria-label={`Remove ${u.name}`}
                onClick={() => setUploads((us) => us.filter((x) => x.key !== u.key))}
              >
                <Icon name="close" size={12} />
              </button>
            </li>
          ))}
        </ul>
      )}
      <ErrorNote message={err} testid="composer-error" />
      <div class="composer-row">
        <button type="button" class="btn btn-ghost btn-icon" aria-label="Attach files" title="Attach files" onClick={() => file.current?.click()}>
          <Icon name="attach" />
        </button>
        <input
          ref={file}
          type="file"
          multiple
          hidden
          data-testid="composer-file"
          onChange={(e) => void choose((e.currentTarget as HTMLInputElement).files)}
        />
        <textarea
          ref={area}
          class="composer-input"
          rows={1}
          value={text}
          placeholder="Message — @ to mention, / for commands"
          aria-label="Message"
          aria-autocomplete="list"
          aria-controls={popup ? listId : undefined}
          aria-activedescendant={popup ? optionId(sel) : undefined}
          data-testid="composer-input"
          onInput={onInput}
          onKeyDown={onKeyDown}
          onKeyUp={(e) => setCaret((e.currentTarget as HTMLTextAreaElement).selectionStart ?? 0)}
          onClick={(e) => setCaret((e.currentTarget as HTMLTextAreaElement).selectionStart ?? 0)}
          onBlur={() => setClosed(true)}
          onFocus={() => setClosed(false)}
        />
        <button type="button" class="btn btn-primary" data-testid="composer-send" disabled={busy || uploading || (!text.trim() && !ready.length)} onClick={() => void send()}>
          {busy ? <Spinner /> : <Icon name="send" />} Send
        </button>
      </div>
    </div>
  );
}
