// A bot's page. Its owner edits its info and scopes, generates a new token
// or revokes it, manages its commands, previews an answer, sees the
// conversations it is in with their webhook URLs (deleting one removes the
// bot from that conversation) and reads its delivery log. Others see what
// the bot is and what it may do.

import { useEffect, useState } from "preact/hooks";
import { errorMessage } from "../../shared/api";
import { ConfirmDialog } from "../chat/confirm";
import { useChat } from "../chat/context";
import { Link, navigate } from "../app/router";
import { paths } from "../app/routes";
import { Avatar, Empty, ErrorNote, Icon, Loading, Spinner } from "../common/ui";
import { Bot, BotFields, botsApi, unwrapBot } from "./api";
import { CommandsSection } from "./commands";
import { DeliveriesSection } from "./deliveries";
import { BotFieldsEditor, checkBotFields } from "./form";
import { HooksSection } from "./hooks";
import { PreviewSection } from "./preview";
import { orderScopes, scopeInfo } from "./scopes";
import { OnceWarning, SecretField } from "./secret";

/** The page of one bot. */
export function BotScreen({ id }: { id: string }) {
  const { me } = useChat();
  const [bot, setBot] = useState<Bot | null>(null);
  const [err, setErr] = useState<string | null>(null);

  const load = () =>
    botsApi
      .get(id)
      .then((b) => setBot(unwrapBot(b)))
      .catch((e) => setErr(errorMessage(e)));
  useEffect(() => {
    void load();
  }, [id]);

  if (!bot) {
    return (
      <div class="screen">
        <div class="screen-body">{err ? <Empty title="This bot cannot be shown" icon="bot">{err}</Empty> : <Loading>Loading the bot…</Loading>}</div>
      </div>
    );
  }
  const owner = bot.ownerId === me.id || bot.url !== undefined;
  return (
    <div class="screen">
      <header class="screen-head">
        <div class="bot-head">
          <Avatar name={bot.name} size={36} />
          <div>
            <h1 data-testid="bot-title">{bot.name}</h1>
            <div class="sub">{bot.description || "A bot"}</div>
          </div>
        </div>
        <div class="head-actions">
          <Link class="btn btn-ghost" href={paths.bots}>
            All bots
          </Link>
        </div>
      </header>
      <div class="screen-body bot-page">
        {owner ? <OwnerView bot={bot} isAdmin={me.role === "admin"} onChanged={setBot} /> : <PublicView bot={bot} />}
      </div>
    </div>
  );
}

function PublicView({ bot }: { bot: Bot }) {
  return (
    <section class="card" aria-labelledby="bot-scopes-h">
      <h2 id="bot-scopes-h">What it may do</h2>
      <ul class="scope-list">
        {orderScopes(bot.scopes ?? []).map((s) => (
          <li key={s}>
            <div class="scope-title">{scopeInfo(s).title}</div>
            <div class="muted small">{scopeInfo(s).description}</div>
          </li>
        ))}
      </ul>
    </section>
  );
}

function OwnerView({ bot, isAdmin, onChanged }: { bot: Bot; isAdmin: boolean; onChanged(b: Bot): void }) {
  return (
    <>
      <InfoSection bot={bot} isAdmin={isAdmin} onChanged={onChanged} />
      <TokenSection bot={bot} />
      <CommandsSection botId={bot.id} />
      <HooksSection botId={bot.id} />
      <DeliveriesSection botId={bot.id} />
      <PreviewSection />
      <DeleteSection bot={bot} />
    </>
  );
}

function fieldsOf(b: Bot): BotFields {
  return {
    name: b.name,
    description: b.description ?? "",
    avatarUrl: b.avatarUrl ?? "",
    url: b.url ?? "",
    interfaceUrl: b.interfaceUrl ?? "",
    scopes: b.scopes ?? [],
  };
}

function InfoSection({ bot, isAdmin, onChanged }: { bot: Bot; isAdmin: boolean; onChanged(b: Bot): void }) {
  const [f, setF] = useState<BotFields>(() => fieldsOf(bot));
  const [recommended, setRecommended] = useState(!!bot.recommended);
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const save = async (e: Event) => {
    e.preventDefault();
    const problem = checkBotFields(f);
    if (problem) {
      setErr(problem);
      return;
    }
    setBusy(true);
    setErr(null);
    setSaved(false);
    try {
      const b = unwrapBot(
        await botsApi.update(bot.id, {
          ...f,
          url: f.url.trim(),
          description: f.description?.trim(),
          avatarUrl: f.avatarUrl?.trim(),
          interfaceUrl: f.interfaceUrl?.trim(),
          ...(isAdmin ? { recommended } : {}),
        }),
      );
      onChanged(b);
      setSaved(true);
    } catch (e2) {
      setErr(errorMessage(e2));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="card" aria-labelledby="bot-info-h">
      <h2 id="bot-info-h">Info and scopes</h2>
      <form class="form" onSubmit={save}>
        <BotFieldsEditor f={f} onChange={setF} idPrefix="bot" />
        {isAdmin && (
          <label class="check">
            <input type="checkbox" checked={recommended} data-testid="bot-recommended" onChange={() => setRecommended(!recommended)} /> Recommend to
            every agent
          </label>
        )}
        <ErrorNote message={err} testid="bot-save-error" />
        <div class="form-actions">
          {saved && (
            <span class="ok-text small" role="status">
              Saved
            </span>
          )}
          <button type="submit" class="btn btn-primary" disabled={busy} data-testid="bot-save">
            {busy && <Spinner />} Save
          </button>
        </div>
      </form>
    </section>
  );
}

function TokenSection({ bot }: { bot: Bot }) {
  const [ask, setAsk] = useState<"new" | "revoke" | null>(null);
  const [token, setToken] = useState<string | null>(null);
  const [revoked, setRevoked] = useState(bot.active === false);
  const [tokenId, setTokenId] = useState(bot.tokenId ?? "");
  return (
    <section class="card" aria-labelledby="bot-token-h" data-testid="bot-token-section">
      <h2 id="bot-token-h">Token</h2>
      <p class="muted">
        The bot's key to the API, with exactly the scopes above. Revoking it stops the bot everywhere at once; a new token replaces the old one,
        which stops working.
      </p>
      {tokenId && !revoked && (
        <div class="small" data-testid="bot-token-id">
          Current token: <code>{tokenId}</code> <span class="muted">(its name in audit logs, not the token)</span>
        </div>
      )}
      {revoked && !token && (
        <div class="bad-text" role="status" data-testid="bot-token-revoked">
          Revoked: the bot can do nothing until you generate a new token.
        </div>
      )}
      {token && (
        <div class="form">
          <SecretField label="New token" value={token} testid="bot-new-token" />
          <OnceWarning />
        </div>
      )}
      {bot.signingSecret && (
        <details class="secret-details">
          <summary>Signing secret</summary>
          <p class="muted small">What Tandem signs its requests to the bot with (Standard Webhooks); the bot verifies them with it.</p>
          <SecretField label="Signing secret" value={bot.signingSecret} testid="bot-signing-secret" />
        </details>
      )}
      <div class="form-actions">
        <button class="btn" data-testid="bot-token-new" onClick={() => setAsk("new")}>
          Generate a new token
        </button>
        <button class="btn btn-danger" data-testid="bot-token-revoke" disabled={revoked && !token} onClick={() => setAsk("revoke")}>
          Revoke
        </button>
      </div>
      {ask === "new" && (
        <ConfirmDialog
          title="Generate a new token?"
          confirm="Generate"
          onConfirm={async () => {
            const r = await botsApi.newToken(bot.id);
            setToken(r.token);
            setTokenId(r.tokenId ?? "");
            setRevoked(false);
          }}
          onClose={() => setAsk(null)}
        >
          The current token stops working at once. The new one is shown once.
        </ConfirmDialog>
      )}
      {ask === "revoke" && (
        <ConfirmDialog
          title={`Revoke ${bot.name}'s token?`}
          confirm="Revoke"
          danger
          onConfirm={async () => {
            await botsApi.revoke(bot.id);
            setToken(null);
            setRevoked(true);
          }}
          onClose={() => setAsk(null)}
        >
          The bot is stopped everywhere at once: its API calls are refused and nothing more is delivered to it.
        </ConfirmDialog>
      )}
    </section>
  );
}

function DeleteSection({ bot }: { bot: Bot }) {
  const [ask, setAsk] = useState(false);
  return (
    <section class="card danger-zone" aria-labelledby="bot-delete-h">
      <h2 id="bot-delete-h">Delete</h2>
      <p class="muted">Deleting the bot removes it from every conversation and deletes its webhooks and commands.</p>
      <button class="btn btn-danger" data-testid="bot-delete" onClick={() => setAsk(true)}>
        <Icon name="trash" /> Delete {bot.name}
      </button>
      {ask && (
        <ConfirmDialog
          title={`Delete ${bot.name}?`}
          confirm="Delete"
          danger
          onConfirm={async () => {
            await botsApi.remove(bot.id);
            navigate(paths.bots);
          }}
          onClose={() => setAsk(false)}
        >
          This cannot be undone.
        </ConfirmDialog>
      )}
    </section>
  );
}
