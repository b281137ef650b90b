// The bots page: the bots the user created, the bots in their
// conversations, the recommended bots; and creating a bot, whose token and
// signing secret are shown once.

import { useEffect, useState } from "preact/hooks";
import { errorMessage } from "../../shared/api";
import { Link, navigate } from "../app/router";
import { paths } from "../app/routes";
import { Avatar, Dialog, Empty, ErrorNote, Icon, Loading, Spinner } from "../common/ui";
import { Bot, BotFields, botsApi, CreatedBot } from "./api";
import { BotFieldsEditor, checkBotFields } from "./form";
import { OnceWarning, SecretField } from "./secret";

type Lists = { mine: Bot[]; inMyConversations: Bot[]; recommended: Bot[] };

/** The bots page. */
export function BotsScreen() {
  const [lists, setLists] = useState<Lists | null>(null);
  const [err, setErr] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);

  const load = () =>
    botsApi
      .list()
      .then((r) => setLists({ mine: r.mine ?? [], inMyConversations: r.inMyConversations ?? [], recommended: r.recommended ?? [] }))
      .catch((e) => {
        setErr(errorMessage(e));
        setLists({ mine: [], inMyConversations: [], recommended: [] });
      });
  useEffect(() => {
    void load();
  }, []);

  const sections: { key: keyof Lists; title: string; empty: string }[] = [
    { key: "mine", title: "Your bots", empty: "You have not created a bot yet." },
    { key: "inMyConversations", title: "In your conversations", empty: "No bots in your conversations." },
    { key: "recommended", title: "Recommended", empty: "An admin can recommend bots to everyone." },
  ];

  return (
    <div class="screen">
      <header class="screen-head">
        <div>
          <h1>Bots</h1>
          <div class="sub">Servers that take part in conversations with the permissions you give them.</div>
        </div>
        <div class="head-actions">
          <button class="btn btn-primary" data-testid="bot-create-open" onClick={() => setCreating(true)}>
            <Icon name="plus" /> New bot
          </button>
        </div>
      </header>
      <div class="screen-body">
        <ErrorNote message={err} />
        {lists === null ? (
          <Loading>Loading bots…</Loading>
        ) : (
          sections.map((s) => (
            <section class="queue-section" key={s.key} data-testid={`bots-${s.key}`} aria-labelledby={`bots-${s.key}-h`}>
              <div class="section-head">
                <h2 id={`bots-${s.key}-h`}>
                  {s.title} <span class="section-count">{lists[s.key].length}</span>
                </h2>
              </div>
              {lists[s.key].length === 0 ? (
                <div class="section-empty">{s.empty}</div>
              ) : (
                <ul class="queue-list">
                  {lists[s.key].map((b) => (
                    <li key={b.id} class="queue-item bot-item" data-testid="bot-item" data-bot-id={b.id}>
                      <Avatar name={b.name} size={32} />
                      <div class="qi-main">
                        <div class="qi-line">
                          <Link href={paths.bot(b.id)} class="qi-person" data-testid="bot-link">
                            {b.name}
                          </Link>
                          {b.recommended && <span class="qi-site">recommended</span>}
                        </div>
                        {b.description && <div class="qi-url">{b.description}</div>}
                        <div class="qi-meta">
                          <span>
                            {b.scopes?.length ?? 0} scope{b.scopes?.length === 1 ? "" : "s"}
                          </span>
                        </div>
                      </div>
                    </li>
                  ))}
                </ul>
              )}
            </section>
          ))
        )}
      </div>
      {creating && (
        <CreateBotDialog
          onClose={() => {
            setCreating(false);
            void load();
          }}
        />
      )}
    </div>
  );
}

const empty: BotFields = { name: "", description: "", avatarUrl: "", url: "", interfaceUrl: "", scopes: ["messages:read", "messages:write"] };

/** Creates a bot, then shows its token and signing secret once. */
function CreateBotDialog({ onClose }: { onClose(): void }) {
  const [f, setF] = useState<BotFields>(empty);
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState<string | null>(null);
  const [made, setMade] = useState<CreatedBot | null>(null);

  const create = async (e: Event) => {
    e.preventDefault();
    const problem = checkBotFields(f);
    if (problem) {
      setErr(problem);
      return;
    }
    setBusy(true);
    setErr(null);
    try {
      setMade(
        await botsApi.create({
          name: f.name,
          url: f.url.trim(),
          scopes: f.scopes,
          ...(f.description?.trim() ? { description: f.description.trim() } : {}),
          ...(f.avatarUrl?.trim() ? { avatarUrl: f.avatarUrl.trim() } : {}),
          ...(f.interfaceUrl?.trim() ? { interfaceUrl: f.interfaceUrl.trim() } : {}),
        }),
      );
    } catch (e2) {
      setErr(errorMessage(e2));
    } finally {
      setBusy(false);
    }
  };

  if (made) {
    return (
      <Dialog title={`${made.bot.name} is ready`} onClose={onClose} testid="bot-created">
        <div class="form">
          <SecretField label="Token" value={made.token} testid="bot-token" />
          {made.signingSecret && <SecretField label="Signing secret" value={made.signingSecret} testid="bot-secret" />}
          <OnceWarning />
          <p class="muted small">
            The bot calls the API with <code>Authorization: Bearer TOKEN</code>, and checks what Tandem sends it with the signing secret
            (Standard Webhooks).
          </p>
          <div class="form-actions">
            <button
              type="button"
              class="btn btn-primary"
              data-testid="bot-created-done"
              onClick={() => {
                onClose();
                navigate(paths.bot(made.bot.id));
              }}
            >
              I have copied them
            </button>
          </div>
        </div>
      </Dialog>
    );
  }
  return (
    <Dialog title="New bot" onClose={onClose} testid="bot-create">
      <form class="form" onSubmit={create}>
        <BotFieldsEditor f={f} onChange={setF} idPrefix="new-bot" />
        <ErrorNote message={err} testid="bot-create-error" />
        <div class="form-actions">
          <button type="button" class="btn btn-ghost" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" class="btn btn-primary" disabled={busy} data-testid="bot-create-submit">
            {busy && <Spinner />} Create bot
          </button>
        </div>
      </form>
    </Dialog>
  );
}
