// One message in a conversation view: its author and time, its text and
// blocks (built by blocks.ts as text nodes, never HTML), and its files:
// pictures of safe types shown inline, anything else as a download.

import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import { when } from "../../shared/format";
import { Avatar, Icon } from "../common/ui";
import { Attachment, attachmentURL, Block, Button, Message } from "./api";
import { renderBody } from "./blocks";

/** Picture types shown inline (the server serves them inline; anything else is a download). */
const inlineImages = new Set(["image/png", "image/jpeg", "image/gif", "image/webp"]);

/** Whether an attachment is shown as a picture. */
export function isInlineImage(a: Attachment): boolean {
  return inlineImages.has((a.contentType || "").toLowerCase().split(";")[0].trim());
}

/** A message's text and blocks, rebuilt when they change. */
export function MessageBody(props: { text?: string; blocks?: Block[]; handles: readonly string[]; onButton?(b: Button): void }) {
  const host = useRef<HTMLDivElement>(null);
  const onButton = useRef(props.onButton);
  onButton.current = props.onButton;
  // Built before the view's own layout effect, which scrolls to the newest message by the height it then has.
  useLayoutEffect(() => {
    const el = host.current;
    if (!el) return;
    const body = renderBody(document, props.text, props.blocks, {
      handles: props.handles,
      onButton: props.onButton ? (b) => onButton.current?.(b) : undefined,
    });
    el.replaceChildren(body);
  }, [props.text, JSON.stringify(props.blocks ?? null), props.handles.join(" "), !!props.onButton]);
  return <div class="msg-content" ref={host} />;
}

function size(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(n < 10240 ? 1 : 0)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/**
 * Returns an object URL of the attachment's bytes, fetched as the API
 * wants it (the server refuses <img> requests aimed at the API: such
 * requests could come from markup no one wrote for it), "" while loading,
 * null when it failed. The URL is revoked when the component goes away.
 */
function useFetchedPicture(url: string): string | null {
  const [src, setSrc] = useState<string | null>("");
  useEffect(() => {
    let made = "";
    let gone = false;
    fetch(url, { credentials: "same-origin" })
      .then((r) => (r.ok ? r.blob() : Promise.reject(new Error(`HTTP ${r.status}`))))
      .then((b) => {
        if (gone) return;
        made = URL.createObjectURL(b);
        setSrc(made);
      })
      .catch(() => !gone && setSrc(null));
    return () => {
      gone = true;
      if (made) URL.revokeObjectURL(made);
    };
  }, [url]);
  return src;
}

/** A picture of a message: shown inline, opening the file itself in a new tab; a download link if it cannot be shown. */
function Picture({ a, url }: { a: Attachment; url: string }) {
  const src = useFetchedPicture(url);
  if (src === null) return <FileLink a={a} url={url} />;
  return (
    <a class="msg-image" href={url} target="_blank" rel="noopener noreferrer" data-testid="attachment-image" title={a.name}>
      {src ? (
        <img src={src} alt={a.name} width={a.width || undefined} height={a.height || undefined} />
      ) : (
        <span class="msg-image-wait" style={a.width && a.height ? { aspectRatio: `${a.width} / ${a.height}` } : undefined} aria-label={`Loading ${a.name}`} />
      )}
    </a>
  );
}

function FileLink({ a, url }: { a: Attachment; url: string }) {
  return (
    <a class="msg-file" href={url} download={a.name} data-testid="attachment-file">
      <Icon name="page" size={14} />
      <span class="msg-file-name">{a.name}</span>
      <span class="muted small">{size(a.size)}</span>
    </a>
  );
}

/** A message's files. */
export function Attachments({ conversationId, list }: { conversationId: string; list: Attachment[] }) {
  return (
    <div class="msg-files">
      {list.map((a) => {
        const url = attachmentURL(conversationId, a);
        return isInlineImage(a) ? <Picture key={a.id} a={a} url={url} /> : <FileLink key={a.id} a={a} url={url} />;
      })}
    </div>
  );
}

/** One message row; grouped rows (same author, shortly after) leave out the author line. */
export function MessageRow(props: {
  m: Message;
  conversationId: string;
  grouped: boolean;
  mine: boolean;
  handles: readonly string[];
  onButton(m: Message, b: Button): void;
}) {
  const { m } = props;
  const name = m.author?.name || (m.author?.account.startsWith("person:") ? "Visitor" : m.author?.account) || "Unknown";
  const bot = m.author?.account.startsWith("bot:");
  return (
    <li
      class={`msg${props.grouped ? " grouped" : ""}${props.mine ? " mine" : ""}`}
      data-testid="message"
      data-message-id={m.id}
      data-seq={m.seq}
      data-author={m.author?.account ?? ""}
    >
      <div class="msg-gutter">{props.grouped ? null : <Avatar name={name} size={28} />}</div>
      <div class="msg-main">
        {!props.grouped && (
          <div class="msg-head">
            <span class="msg-author">{name}</span>
            {bot && <span class="msg-tag">bot</span>}
            <time class="msg-time" dateTime={m.createdAt}>
              {when(m.createdAt)}
            </time>
          </div>
        )}
        <MessageBody text={m.text} blocks={m.blocks} handles={props.handles} onButton={(b) => props.onButton(m, b)} />
        {!!m.attachments?.length && <Attachments conversationId={props.conversationId} list={m.attachments} />}
        {m.editedAt && <span class="msg-edited muted small">(edited)</span>}
      </div>
    </li>
  );
}
