// Sign-ins: the passport's live sign-ins (grants) across sites, for admins.
// Each row can ask its client to refresh ahead of expiry, or end the
// sign-in (after a confirmation); the row follows what was done.

import { useEffect, useRef, useState } from "preact/hooks";
import { api, errorMessage, Site } from "../../shared/api";
import { ConfirmDialog } from "../chat/confirm";
import { ago, parseTime, when } from "../../shared/format";
import { Avatar, Empty, ErrorNote, Icon, Loading, Pill, Spinner, useNow } from "../common/ui";
import { Grant, Pages, passportApi, personLabel, until } from "./api";

const pageSize = 25;

/** The Sign-ins screen. */
export function SignInsScreen() {
  const [sites, setSites] = useState<Site[]>([]);
  const [site, setSite] = useState("");
  const [person, setPerson] = useState("");
  const [applied, setApplied] = useState("");
  const [pages] = useState(() => new Pages());
  const [cursor, setCursor] = useState("");
  const [list, setList] = useState<Grant[] | null>(null);
  const [next, setNext] = useState<string | undefined>();
  const [err, setErr] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [revoking, setRevoking] = useState<Grant | null>(null);
  const [notice, setNotice] = useState("");
  const heading = useRef<HTMLHeadingElement>(null);
  const focusAfter = useRef<string | null>(null);
  const now = useNow(15_000);

  useEffect(() => {
    api
      .sites()
      .then((r) => setSites(r.sites ?? []))
      .catch(() => setSites([]));
  }, []);

  useEffect(() => {
    let live = true;
    setList(null);
    passportApi
      .grants({ site, identity: applied, cursor, limit: pageSize })
      .then((r) => {
        if (!live) return;
        setList(r.grants ?? []);
        setNext(r.next);
        setErr(null);
      })
      .catch((e) => {
        if (!live) return;
        setErr(errorMessage(e));
        setList([]);
        setNext(undefined);
      });
    return () => {
      live = false;
    };
  }, [site, applied, cursor]);

  // After a row is revoked its button is gone: focus the next row's, or
  // the heading when none is left, rather than losing focus to the page.
  useEffect(() => {
    const id = focusAfter.current;
    if (id === null || list === null) return;
    focusAfter.current = null;
    const next = id ? document.querySelector<HTMLElement>(`[data-grant-id="${CSS.escape(id)}"] [data-testid="grant-revoke"]`) : null;
    (next ?? heading.current)?.focus();
  }, [list]);

  const filter = (siteID: string, who: string) => {
    pages.reset();
    setCursor("");
    setSite(siteID);
    setApplied(who);
  };

  const refresh = async (g: Grant) => {
    setBusy(g.id);
    setErr(null);
    try {
      await passportApi.refresh(g.id);
      setList((l) => l && l.map((x) => (x.id === g.id ? { ...x, refreshAhead: true } : x)));
      setNotice(`Asked ${personLabel(g)}'s client on ${g.site.name || g.site.key} to refresh.`);
    } catch (e) {
      setErr(errorMessage(e));
    } finally {
      setBusy(null);
    }
  };

  const revoke = async (g: Grant) => {
    await passportApi.revoke(g.id);
    const rows = list ?? [];
    const i = rows.findIndex((x) => x.id === g.id);
    const after = rows[i + 1] ?? rows[i - 1];
    focusAfter.current = after ? after.id : "";
    setList(rows.filter((x) => x.id !== g.id));
    setNotice(`Signed ${personLabel(g)} out of ${g.site.name || g.site.key}.`);
  };

  return (
    <div class="screen">
      <header class="screen-head">
        <div>
          <h1 ref={heading} tabIndex={-1}>
            Sign-ins
          </h1>
          <div class="sub">People signed in to your sites through the passport, newest first.</div>
        </div>
        <form
          class="head-actions"
          role="search"
          aria-label="Filter sign-ins"
          onSubmit={(e) => {
            e.preventDefault();
            filter(site, person);
          }}
        >
          <select class="filter" aria-label="Site" data-testid="grants-site" value={site} onChange={(e) => filter((e.currentTarget as HTMLSelectElement).value, person)}>
            <option value="">All sites</option>
            {sites.map((s) => (
              <option key={s.id} value={s.id}>
                {s.name || s.key}
              </option>
            ))}
          </select>
          <input
            class="filter wide"
            type="search"
            placeholder="Person's email or id"
            aria-label="Person"
            data-testid="grants-person"
            value={person}
            onInput={(e) => setPerson((e.currentTarget as HTMLInputElement).value)}
          />
          <button class="btn" type="submit" data-testid="grants-filter">
            <Icon name="search" /> Filter
          </button>
        </form>
      </header>
      <div class="screen-body">
        <ErrorNote message={err} testid="grants-error" />
        <div class="sr-status" role="status" aria-live="polite" data-testid="grants-notice">
          {notice}
        </div>
        {list === null ? (
          <Loading>Loading sign-ins…</Loading>
        ) : list.length === 0 ? (
          !err && (
            <Empty title={site || applied || cursor ? "No sign-ins match" : "Nobody is signed in"} icon="user">
              {site || applied ? "Try another site or person." : "Sign-ins through the passport show here while they last."}
            </Empty>
          )
        ) : (
          <table class="grants" data-testid="grants">
            <caption class="sr-only">Live sign-ins</caption>
            <thead>
              <tr>
                <th scope="col">Person</th>
                <th scope="col">Site</th>
                <th scope="col">Device</th>
                <th scope="col">Last refresh</th>
                <th scope="col">Access expires</th>
                <th scope="col">Sign-in expires</th>
                <th scope="col">
                  <span class="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.map((g) => (
                <GrantRow key={g.id} g={g} now={now} busy={busy === g.id} onRefresh={() => void refresh(g)} onRevoke={() => setRevoking(g)} />
              ))}
            </tbody>
          </table>
        )}
        {(pages.canGoBack || next) && (
          <nav class="pager" aria-label="Pages of sign-ins">
            <button class="btn" disabled={!pages.canGoBack} data-testid="grants-prev" onClick={() => setCursor(pages.back())}>
              <Icon name="back" /> Newer
            </button>
            <button class="btn" disabled={!next} data-testid="grants-next" onClick={() => next && setCursor(pages.forward(next))}>
              Older <Icon name="forward" />
            </button>
          </nav>
        )}
      </div>
      {revoking && (
        <ConfirmDialog
          title="Revoke this sign-in?"
          confirm="Revoke"
          danger
          testid="grant-revoke-dialog"
          onConfirm={() => revoke(revoking)}
          onClose={() => setRevoking(null)}
        >
          {personLabel(revoking)} is signed out of {revoking.site.name || revoking.site.key} on this device: every token of this sign-in stops working, and the
          site is told. They can sign in again.
        </ConfirmDialog>
      )}
    </div>
  );
}

function Expiry({ at, now }: { at: string; now: number }) {
  const t = parseTime(at);
  return (
    <span title={when(at)}>
      {until(t - now)}
      <span class="muted small block">{when(at)}</span>
    </span>
  );
}

function GrantRow(props: { g: Grant; now: number; busy: boolean; onRefresh(): void; onRevoke(): void }) {
  const { g, now } = props;
  const who = personLabel(g);
  const where = g.site.name || g.site.key || g.site.id;
  const rotated = parseTime(g.rotatedAt);
  return (
    <tr data-testid="grant-row" data-grant-id={g.id}>
      <td>
        <span class="cell-person">
          <Avatar name={who} size={22} />
          <span>
            <span class="qi-person">{who}</span>
            {g.identity.name && g.identity.email && <span class="muted small block">{g.identity.email}</span>}
          </span>
        </span>
      </td>
      <td>{where}</td>
      <td>
        {g.device.kind || "—"}
        <span class="muted small block" title={g.device.id}>
          {g.device.id ? g.device.id.slice(0, 10) : ""}
        </span>
      </td>
      <td>
        <span title={when(g.rotatedAt)}>
          {isNaN(rotated) ? "—" : ago(now - rotated)}
          <span class="muted small block">{when(g.rotatedAt)}</span>
        </span>
      </td>
      <td>
        <Expiry at={g.accessExpiresAt} now={now} />
        {g.refreshAhead && (
          <Pill tone="warn" testid="grant-refresh-ahead" title="The client was asked to refresh ahead of expiry">
            refresh asked
          </Pill>
        )}
      </td>
      <td>
        <Expiry at={g.expiresAt} now={now} />
      </td>
      <td>
        <span class="row-actions">
          <button class="btn" data-testid="grant-refresh" aria-label={`Refresh ahead: ${who} on ${where}`} disabled={props.busy || g.refreshAhead} onClick={props.onRefresh}>
            {props.busy ? <Spinner /> : <Icon name="refresh" />} Refresh ahead
          </button>
          <button class="btn btn-danger" data-testid="grant-revoke" aria-label={`Revoke: ${who} on ${where}`} onClick={props.onRevoke}>
            <Icon name="close" /> Revoke
          </button>
        </span>
      </td>
    </tr>
  );
}
