// The "Share" button of the replay screens and of a done video: a dialog
// that makes a link to the replay or the video (expiry, who may open it),
// shows it once with a copy button,
// and lists my links with "Revoke".

import { useEffect, useState } from "preact/hooks";
import { errorMessage } from "../../shared/api";
import { copy } from "../queue/invite";
import { when } from "../../shared/format";
import { Dialog, ErrorNote, Icon, Loading, Spinner } from "../common/ui";
import { Audience, CreatedLink, defaultExpiry, expiries, linkStatus, shareApi, ShareKind, ShareLink } from "./api";
import "./share.css";

/** The Share button; the dialog opens on click. */
export function ShareButton({ kind, id, testid = "share-open" }: { kind: ShareKind; id: string; testid?: string }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button class="btn" data-testid={testid} onClick={() => setOpen(true)}>
        <Icon name="copy" /> Share
      </button>
      {open && <ShareDialog kind={kind} id={id} onClose={() => setOpen(false)} />}
    </>
  );
}

function ShareDialog({ kind, id, onClose }: { kind: ShareKind; id: string; onClose(): void }) {
  const [ttl, setTtl] = useState(defaultExpiry);
  const [audience, setAudience] = useState<Audience>("anyone");
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState<string | null>(null);
  const [made, setMade] = useState<CreatedLink | null>(null);
  const [links, setLinks] = useState<ShareLink[] | null>(null);

  const load = () =>
    shareApi
      .list()
      .then((r) => setLinks(r.links.filter((l) => l.kind === kind && l.subjectId === id)))
      .catch((e) => setErr(errorMessage(e)));
  useEffect(() => {
    load();
  }, [kind, id]);

  const create = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setErr(null);
    try {
      setMade(await shareApi.create(kind, id, ttl, audience));
      load();
    } catch (e2) {
      setErr(errorMessage(e2));
    } finally {
      setBusy(false);
    }
  };
  const revoke = async (l: ShareLink) => {
    setErr(null);
    try {
      await shareApi.revoke(l.id);
      load();
    } catch (e) {
      setErr(errorMessage(e));
    }
  };

  return (
    <Dialog title={kind === "video" ? "Share this video" : "Share this replay"} onClose={onClose} testid="share-dialog">
      {made ? (
        <MadeLink made={made} onAnother={() => setMade(null)} />
      ) : (
        <form class="form" onSubmit={create}>
          <p class="muted">
            A read-only link to this {kind === "video" ? "video" : "replay"}. Every view is in the audit log; you can revoke it at any time.
          </p>
          <label class="field">
            <span>Expires after</span>
            <select value={String(ttl)} data-testid="share-ttl" onChange={(e) => setTtl(Number((e.currentTarget as HTMLSelectElement).value))}>
              {expiries.map((x) => (
                <option key={x.seconds} value={String(x.seconds)}>
                  {x.label}
                </option>
              ))}
            </select>
          </label>
          <fieldset class="field share-audience">
            <span>Who can open it</span>
            <label>
              <input type="radio" name="audience" checked={audience === "anyone"} data-testid="share-anyone" onChange={() => setAudience("anyone")} />{" "}
              Anyone with the link
            </label>
            <label>
              <input type="radio" name="audience" checked={audience === "console"} data-testid="share-console" onChange={() => setAudience("console")} />{" "}
              Console users only
            </label>
          </fieldset>
          <div class="form-actions">
            <button type="submit" class="btn btn-primary" data-testid="share-create" disabled={busy}>
              {busy && <Spinner />} Create link
            </button>
          </div>
        </form>
      )}
      <ErrorNote message={err} testid="share-error" />
      <h3 class="share-list-title">Links to this {kind === "video" ? "video" : "replay"}</h3>
      {links === null ? (
        <Loading inline>Loading links…</Loading>
      ) : links.length === 0 ? (
        <div class="muted small">None yet.</div>
      ) : (
        <ul class="share-list" data-testid="share-links">
          {links.map((l) => (
            <li key={l.id} class={`share-item ${l.state}`} data-testid="share-link">
              <span class="share-status" data-testid="share-status">
                {linkStatus(l)}
              </span>
              <span class="muted small">
                {l.state === "active" ? `until ${when(l.expiresAt)}` : ""} · {l.uses} {l.uses === 1 ? "view" : "views"}
              </span>
              {l.state === "active" && (
                <button class="btn btn-ghost" data-testid="share-revoke" onClick={() => revoke(l)}>
                  Revoke
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
    </Dialog>
  );
}

function MadeLink({ made, onAnother }: { made: CreatedLink; onAnother(): void }) {
  const [copied, setCopied] = useState(false);
  const url = new URL(made.path, location.origin).toString();
  return (
    <div class="invite-result">
      <div class="field">
        <span>Link — shown this once</span>
        <div class="copy-row">
          <code class="invite-link" data-testid="share-url">
            {url}
          </code>
          <button
            class="btn"
            data-testid="share-copy"
            onClick={async () => {
              if (await copy(url)) setCopied(true);
            }}
          >
            <Icon name="copy" /> {copied ? "Copied" : "Copy"}
          </button>
        </div>
      </div>
      <div class="muted small">
        {made.link.audience === "console" ? "Console users only" : "Anyone with the link"} · until {when(made.link.expiresAt)}
      </div>
      <div class="form-actions">
        <button class="btn btn-ghost" onClick={onAnother}>
          Create another
        </button>
      </div>
    </div>
  );
}
