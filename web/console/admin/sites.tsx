// Sites: their origins, masking mode, consent policy, retention and
// automatic video, edited one site at a time; the server's validation
// errors are shown in the form, and nothing changes until it accepts.

import { useEffect, useState } from "preact/hooks";
import { errorMessage } from "../../shared/api";
import { Dialog, ErrorNote, Loading, Spinner } from "../common/ui";
import { adminApi, AdminSite, SiteSettings } from "./api";

/** The sites tab. */
export function SitesTab() {
  const [sites, setSites] = useState<AdminSite[] | null>(null);
  const [err, setErr] = useState<string | null>(null);
  const [editing, setEditing] = useState<AdminSite | "new" | null>(null);
  useEffect(() => {
    adminApi.sites().then(
      (r) => setSites(r.sites),
      (e) => setErr(errorMessage(e)),
    );
  }, []);
  const saved = (s: AdminSite) => {
    setSites((list) => (list?.some((x) => x.id === s.id) ? list.map((x) => (x.id === s.id ? s : x)) : [...(list ?? []), s]));
    setEditing(null);
  };
  return (
    <section aria-label="Sites">
      <div class="admin-actions">
        <button class="btn btn-primary" data-testid="admin-site-new" onClick={() => setEditing("new")}>
          Add a site
        </button>
      </div>
      <ErrorNote message={err} testid="admin-sites-error" />
      {sites === null ? (
        <Loading>Loading sites…</Loading>
      ) : (
        <table class="grants" data-testid="admin-sites">
          <caption class="sr-only">Sites</caption>
          <thead>
            <tr>
              <th scope="col">Site</th>
              <th scope="col">Allowed origins</th>
              <th scope="col">Masking</th>
              <th scope="col">Consent</th>
              <th scope="col">Recordings kept</th>
              <th scope="col">
                <span class="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {sites.map((s) => (
              <tr key={s.id} data-testid="admin-site" data-site-id={s.id}>
                <td>
                  <div>{s.name}</div>
                  <div class="muted small">{s.key}</div>
                </td>
                <td data-testid="admin-site-origins">{s.allowedOrigins.join(" ")}</td>
                <td>{s.strictMasking ? "strict" : "standard"}</td>
                <td>{s.consentEachAgent ? "each agent" : "first agent"}</td>
                <td>{s.retention}</td>
                <td class="grant-actions">
                  <button class="btn" data-testid="admin-site-edit" onClick={() => setEditing(s)}>
                    Edit
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {editing && <SiteDialog site={editing === "new" ? null : editing} onSaved={saved} onClose={() => setEditing(null)} />}
    </section>
  );
}

function SiteDialog({ site, onSaved, onClose }: { site: AdminSite | null; onSaved(s: AdminSite): void; onClose(): void }) {
  const [name, setName] = useState(site?.name ?? "");
  const [origins, setOrigins] = useState((site?.allowedOrigins ?? []).join("\n"));
  const [strict, setStrict] = useState(site?.strictMasking ?? false);
  const [bodies, setBodies] = useState(site?.captureBodies ?? false);
  const [eachAgent, setEachAgent] = useState(site?.consentEachAgent ?? false);
  const [retention, setRetention] = useState(site?.retention ?? "forever");
  const [autoVideo, setAutoVideo] = useState(site?.autoVideo ?? false);
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState<string | null>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setErr(null);
    const settings: SiteSettings = {
      name: name.trim(),
      allowedOrigins: origins
        .split(/\s+/)
        .map((o) => o.trim())
        .filter(Boolean),
      strictMasking: strict,
      captureBodies: bodies,
      consentEachAgent: eachAgent,
      retention: retention.trim(),
      autoVideo,
    };
    try {
      const r = site ? await adminApi.updateSite(site.id, settings) : await adminApi.createSite(settings);
      onSaved(r.site);
    } catch (e2) {
      setErr(errorMessage(e2));
      setBusy(false);
    }
  };
  const check = (label: string, value: boolean, set: (v: boolean) => void, testid: string) => (
    <label class="field-check">
      <input type="checkbox" checked={value} data-testid={testid} onChange={(e) => set(e.currentTarget.checked)} /> {label}
    </label>
  );
  return (
    <Dialog title={site ? `Edit ${site.name}` : "Add a site"} onClose={onClose} testid="admin-site-dialog">
      <form onSubmit={submit}>
        <label class="field">
          <span>Name</span>
          <input required value={name} data-testid="admin-site-name" onInput={(e) => setName(e.currentTarget.value)} />
        </label>
        <label class="field">
          <span>Allowed origins, one a line (https://shop.example.com)</span>
          <textarea rows={3} value={origins} data-testid="admin-site-origins-input" onInput={(e) => setOrigins(e.currentTarget.value)} />
        </label>
        {check("Strict masking: mask every input and text unless data-tandem-unmask", strict, setStrict, "admin-site-strict")}
        {check("Record request and response bodies", bodies, setBodies, "admin-site-bodies")}
        {check("Ask the person before each further agent sees their page", eachAgent, setEachAgent, "admin-site-each-agent")}
        {check("Export each assist to video when it ends", autoVideo, setAutoVideo, "admin-site-auto-video")}
        <label class="field">
          <span>Keep recordings for (30d, 36h or forever)</span>
          <input value={retention} data-testid="admin-site-retention" onInput={(e) => setRetention(e.currentTarget.value)} />
        </label>
        <ErrorNote message={err} testid="admin-site-error" />
        <button type="submit" class="btn btn-primary" disabled={busy} data-testid="admin-site-save">
          {busy && <Spinner />} Save
        </button>
      </form>
    </Dialog>
  );
}
