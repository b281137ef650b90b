// Agents: invite, change role, disable or enable, SSH keys.

import { useEffect, useState } from "preact/hooks";
import { errorMessage, User } from "../../shared/api";
import { ConfirmDialog } from "../chat/confirm";
import { Dialog, ErrorNote, Loading, Pill, Spinner } from "../common/ui";
import { adminApi, AdminAgent } from "./api";

/** The agents tab. */
export function AgentsTab({ me }: { me: User }) {
  const [agents, setAgents] = useState<AdminAgent[] | null>(null);
  const [err, setErr] = useState<string | null>(null);
  const [inviting, setInviting] = useState(false);
  const [link, setLink] = useState("");
  const [keysOf, setKeysOf] = useState<string | null>(null);
  const [disabling, setDisabling] = useState<AdminAgent | null>(null);

  const load = () =>
    adminApi.agents().then(
      (r) => {
        setAgents(r.agents);
        setErr(null);
      },
      (e) => setErr(errorMessage(e)),
    );
  useEffect(() => void load(), []);

  const replace = (a: AdminAgent) => setAgents((list) => (list ?? []).map((x) => (x.id === a.id ? a : x)));
  const change = async (a: AdminAgent, c: { role?: string; disabled?: boolean }) => {
    setErr(null);
    try {
      replace((await adminApi.updateAgent(a.id, c)).agent);
    } catch (e) {
      setErr(errorMessage(e));
    }
  };

  const keyAgent = agents?.find((a) => a.id === keysOf) ?? null;
  return (
    <section aria-label="Agents">
      <div class="admin-actions">
        <button class="btn btn-primary" data-testid="admin-invite" onClick={() => setInviting(true)}>
          Invite an agent
        </button>
      </div>
      {link && (
        <div class="admin-link" role="status" data-testid="admin-invite-link">
          Send this link to the new agent; it works once, for 72 hours, and is shown only now:
          <input class="filter wide" readOnly value={link} aria-label="Invite link" data-testid="admin-invite-url" onFocus={(e) => e.currentTarget.select()} />
        </div>
      )}
      <ErrorNote message={err} testid="admin-agents-error" />
      {agents === null ? (
        <Loading>Loading agents…</Loading>
      ) : (
        <table class="grants" data-testid="admin-agents">
          <caption class="sr-only">Agents</caption>
          <thead>
            <tr>
              <th scope="col">Agent</th>
              <th scope="col">Role</th>
              <th scope="col">State</th>
              <th scope="col">SSH keys</th>
              <th scope="col">
                <span class="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {agents.map((a) => (
              <tr key={a.id} data-agent-email={a.email} data-testid="admin-agent">
                <td>
                  <div>{a.name}</div>
                  <div class="muted small">{a.email}</div>
                </td>
                <td>
                  <select
                    class="filter"
                    aria-label={`Role of ${a.email}`}
                    data-testid="admin-agent-role"
                    value={a.role}
                    disabled={a.id === me.id}
                    onChange={(e) => void change(a, { role: (e.currentTarget as HTMLSelectElement).value })}
                  >
                    <option value="agent">agent</option>
                    <option value="admin">admin</option>
                  </select>
                </td>
                <td data-testid="admin-agent-state">
                  {a.disabled ? <Pill tone="bad">disabled</Pill> : a.invited ? <Pill tone="warn">invited</Pill> : <Pill tone="ok">active</Pill>}
                </td>
                <td>
                  <button class="btn btn-ghost" data-testid="admin-agent-keys" onClick={() => setKeysOf(a.id)}>
                    {a.keys.length} {a.keys.length === 1 ? "key" : "keys"}
                  </button>
                </td>
                <td class="grant-actions">
                  {a.id !== me.id &&
                    (a.disabled ? (
                      <button class="btn" data-testid="admin-agent-enable" onClick={() => void change(a, { disabled: false })}>
                        Enable
                      </button>
                    ) : (
                      <button class="btn btn-danger" data-testid="admin-agent-disable" onClick={() => setDisabling(a)}>
                        Disable
                      </button>
                    ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {inviting && (
        <InviteDialog
          onClose={() => setInviting(false)}
          onInvited={(a, path) => {
            setAgents((list) => [...(list ?? []), a]);
            setLink(new URL(path, location.origin).toString());
            setInviting(false);
          }}
        />
      )}
      {disabling && (
        <ConfirmDialog
          title={`Disable ${disabling.email}?`}
          confirm="Disable"
          danger
          testid="admin-disable-dialog"
          onConfirm={() => change(disabling, { disabled: true })}
          onClose={() => setDisabling(null)}
        >
          They are signed out of the console at once and cannot sign in until enabled again.
        </ConfirmDialog>
      )}
      {keyAgent && <KeysDialog agent={keyAgent} onChanged={replace} onClose={() => setKeysOf(null)} />}
    </section>
  );
}

function InviteDialog(props: { onClose(): void; onInvited(a: AdminAgent, path: string): void }) {
  const [email, setEmail] = useState("");
  const [name, setName] = useState("");
  const [role, setRole] = useState("agent");
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState<string | null>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setErr(null);
    try {
      const r = await adminApi.invite(email.trim(), name.trim(), role);
      props.onInvited(r.agent, r.path);
    } catch (e2) {
      setErr(errorMessage(e2));
      setBusy(false);
    }
  };
  return (
    <Dialog title="Invite an agent" onClose={props.onClose} testid="admin-invite-dialog">
      <form onSubmit={submit}>
        <label class="field">
          <span>Email</span>
          <input type="email" required value={email} data-testid="admin-invite-email" onInput={(e) => setEmail(e.currentTarget.value)} />
        </label>
        <label class="field">
          <span>Name people see</span>
          <input required value={name} data-testid="admin-invite-name" onInput={(e) => setName(e.currentTarget.value)} />
        </label>
        <label class="field">
          <span>Role</span>
          <select value={role} data-testid="admin-invite-role" onChange={(e) => setRole(e.currentTarget.value)}>
            <option value="agent">agent</option>
            <option value="admin">admin</option>
          </select>
        </label>
        <ErrorNote message={err} testid="admin-invite-error" />
        <button type="submit" class="btn btn-primary" disabled={busy} data-testid="admin-invite-submit">
          {busy && <Spinner />} Invite
        </button>
      </form>
    </Dialog>
  );
}

function KeysDialog({ agent, onChanged, onClose }: { agent: AdminAgent; onChanged(a: AdminAgent): void; onClose(): void }) {
  const [line, setLine] = useState("");
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState<string | null>(null);
  const add = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setErr(null);
    try {
      const { key } = await adminApi.addKey(agent.id, line);
      onChanged({ ...agent, keys: [...agent.keys, key] });
      setLine("");
    } catch (e2) {
      setErr(errorMessage(e2));
    }
    setBusy(false);
  };
  const remove = async (fp: string) => {
    setErr(null);
    try {
      await adminApi.removeKey(agent.id, fp);
      onChanged({ ...agent, keys: agent.keys.filter((k) => k.fingerprint !== fp) });
    } catch (e2) {
      setErr(errorMessage(e2));
    }
  };
  return (
    <Dialog title={`SSH keys of ${agent.email}`} onClose={onClose} testid="admin-keys-dialog">
      {agent.keys.length === 0 ? (
        <p class="muted">No keys: this agent cannot join terminal sessions with their own key.</p>
      ) : (
        <ul class="admin-keys" data-testid="admin-keys">
          {agent.keys.map((k) => (
            <li key={k.fingerprint} data-testid="admin-key">
              <code data-testid="admin-key-fingerprint">{k.fingerprint}</code> <span class="muted small">{k.type} {k.comment}</span>{" "}
              <button class="btn btn-ghost" aria-label={`Remove key ${k.fingerprint}`} data-testid="admin-key-remove" onClick={() => void remove(k.fingerprint)}>
                Remove
              </button>
            </li>
          ))}
        </ul>
      )}
      <form onSubmit={add}>
        <label class="field">
          <span>Public key (one authorized_keys line)</span>
          <textarea rows={3} required placeholder="ssh-ed25519 AAAA… alex@laptop" value={line} data-testid="admin-key-input" onInput={(e) => setLine(e.currentTarget.value)} />
        </label>
        <ErrorNote message={err} testid="admin-key-error" />
        <button type="submit" class="btn btn-primary" disabled={busy} data-testid="admin-key-add">
          {busy && <Spinner />} Add key
        </button>
      </form>
    </Dialog>
  );
}
