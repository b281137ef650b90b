// The invite dialog: pick a site (and optionally the page), create a
// single-use link and short code, copy them, watch the expiry.

import { useEffect, useState } from "preact/hooks";
import { api, errorMessage, Invite, Site } from "../../shared/api";
import { clock, parseTime } from "../../shared/format";
import { Dialog, ErrorNote, Icon, Loading, Spinner, useNow } from "../common/ui";

const ttls: { label: string; seconds: number }[] = [
  { label: "Server default", seconds: 0 },
  { label: "10 minutes", seconds: 600 },
  { label: "1 hour", seconds: 3600 },
  { label: "24 hours", seconds: 86400 },
];

/** Returns link as an absolute address (the API may answer with a path). */
function absolute(link: string): string {
  try {
    return new URL(link, location.origin).toString();
  } catch {
    return link;
  }
}

/** Copies text to the clipboard, falling back to a selection where the API is missing. */
export async function copy(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const ta = document.createElement("textarea");
    ta.value = text;
    ta.style.position = "fixed";
    ta.style.opacity = "0";
    document.body.appendChild(ta);
    ta.select();
    const ok = document.execCommand("copy");
    ta.remove();
    return ok;
  }
}

/** The invite dialog. */
export function InviteDialog({ onClose, onCreated }: { onClose: () => void; onCreated?(inv: Invite): void }) {
  const [sites, setSites] = useState<Site[] | null>(null);
  const [siteId, setSiteId] = useState("");
  const [url, setUrl] = useState("");
  const [ttl, setTtl] = useState(0);
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState<string | null>(null);
  const [invite, setInvite] = useState<Invite | null>(null);

  useEffect(() => {
    api
      .sites()
      .then((r) => {
        const list = r.sites ?? [];
        setSites(list);
        if (list.length) setSiteId(list[0].id);
      })
      .catch((e) => {
        setSites([]);
        setErr(errorMessage(e));
      });
  }, []);

  const create = async (e: Event) => {
    e.preventDefault();
    if (!siteId) return;
    setBusy(true);
    setErr(null);
    try {
      const inv = await api.invite(siteId, url.trim() || undefined, ttl || undefined);
      setInvite(inv);
      onCreated?.(inv);
    } catch (e2) {
      setErr(errorMessage(e2));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog title="Invite someone" onClose={onClose} testid="invite-dialog">
      {invite ? (
        <InviteResult invite={invite} onAnother={() => setInvite(null)} onClose={onClose} />
      ) : (
        <form class="form" onSubmit={create}>
          <p class="muted">
            The person opens the link (or types the code into the help panel) on your site. Opening it is their consent;
            the assist starts live.
          </p>
          <label class="field">
            <span>Site</span>
            {sites === null ? (
              <Loading inline>Loading sites…</Loading>
            ) : sites.length === 0 ? (
              <div class="muted">No sites yet. An admin adds one with “tandem site add”.</div>
            ) : (
              <select value={siteId} data-testid="invite-site" onChange={(e) => setSiteId((e.currentTarget as HTMLSelectElement).value)}>
                {sites.map((s) => (
                  <option key={s.id} value={s.id}>
                    {s.name}
                  </option>
                ))}
              </select>
            )}
          </label>
          <label class="field">
            <span>
              Page <em>optional</em>
            </span>
            <input
              type="url"
              placeholder="https://shop.example.com/checkout"
              value={url}
              data-testid="invite-url"
              onInput={(e) => setUrl((e.currentTarget as HTMLInputElement).value)}
            />
          </label>
          <label class="field">
            <span>Expires after</span>
            <select value={String(ttl)} data-testid="invite-ttl" onChange={(e) => setTtl(Number((e.currentTarget as HTMLSelectElement).value))}>
              {ttls.map((t) => (
                <option key={t.seconds} value={String(t.seconds)}>
                  {t.label}
                </option>
              ))}
            </select>
          </label>
          <ErrorNote message={err} testid="invite-error" />
          <div class="form-actions">
            <button type="button" class="btn btn-ghost" onClick={onClose}>
              Cancel
            </button>
            <button type="submit" class="btn btn-primary" data-testid="invite-create" disabled={busy || !siteId}>
              {busy && <Spinner />} Create invite
            </button>
          </div>
        </form>
      )}
    </Dialog>
  );
}

function InviteResult({ invite, onAnother, onClose }: { invite: Invite; onAnother: () => void; onClose: () => void }) {
  const now = useNow(1000);
  const [copied, setCopied] = useState<"link" | "code" | null>(null);
  const link = absolute(invite.link);
  const left = parseTime(invite.expiresAt) - now;
  const doCopy = async (what: "link" | "code", text: string) => {
    if (await copy(text)) {
      setCopied(what);
      setTimeout(() => setCopied(null), 1500);
    }
  };
  return (
    <div class="invite-result">
      <div class="field">
        <span>Link</span>
        <div class="copy-row">
          <code class="invite-link" data-testid="invite-link">
            {link}
          </code>
          <button class="btn" data-testid="invite-copy" onClick={() => doCopy("link", link)}>
            <Icon name="copy" /> {copied === "link" ? "Copied" : "Copy"}
          </button>
        </div>
      </div>
      <div class="field">
        <span>Code</span>
        <div class="copy-row">
          <code class="invite-code" data-testid="invite-code">
            {invite.code}
          </code>
          <button class="btn" onClick={() => doCopy("code", invite.code)}>
            <Icon name="copy" /> {copied === "code" ? "Copied" : "Copy"}
          </button>
        </div>
      </div>
      <div class={`expiry${left <= 0 ? " expired" : left < 60000 ? " soon" : ""}`} data-testid="invite-expiry">
        {isNaN(left) ? "" : left > 0 ? `Expires in ${clock(left)} · single use` : "Expired — create a new invite"}
      </div>
      <div class="form-actions">
        <button class="btn btn-ghost" onClick={onAnother}>
          Create another
        </button>
        <button class="btn btn-primary" onClick={onClose}>
          Done
        </button>
      </div>
    </div>
  );
}
