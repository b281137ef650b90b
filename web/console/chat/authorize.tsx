// Adding a bot to a conversation: the adder sees what the bot may do and
// authorises it ("Authorize and add": the bot joins with those scopes
// granted) or refuses (nothing is added).

import { useEffect, useState } from "preact/hooks";
import { errorMessage } from "../../shared/api";
import { Bot, botsApi, unwrapBot } from "../bots/api";
import { orderScopes, scopeInfo } from "../bots/scopes";
import { Avatar, Dialog, ErrorNote, Loading, Spinner } from "../common/ui";
import { chatApi } from "./api";

/** The authorise dialog for one bot and one conversation. */
export function AuthorizeDialog(props: { conversationId: string; botId: string; onAdded(): void; onClose(): void }) {
  const [bot, setBot] = useState<Bot | null>(null);
  const [err, setErr] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    botsApi
      .get(props.botId)
      .then((b) => setBot(unwrapBot(b)))
      .catch((e) => setErr(errorMessage(e)));
  }, [props.botId]);

  const scopes = orderScopes(bot?.scopes ?? []);
  const authorize = async () => {
    if (!bot) return;
    setBusy(true);
    setErr(null);
    try {
      await chatApi.addMember(props.conversationId, `bot:${bot.id}`, scopes);
      props.onAdded();
      props.onClose();
    } catch (e) {
      setErr(errorMessage(e));
      setBusy(false);
    }
  };

  return (
    <Dialog title={bot ? `Add ${bot.name} to this conversation?` : "Add a bot"} onClose={props.onClose} testid="authorize-dialog">
      {!bot && !err ? (
        <Loading>Loading the bot…</Loading>
      ) : (
        <div class="form">
          {bot && (
            <div class="bot-card">
              <Avatar name={bot.name} size={32} />
              <div>
                <div class="bot-name">{bot.name}</div>
                {bot.description && <div class="muted small">{bot.description}</div>}
              </div>
            </div>
          )}
          {bot && (
            <div>
              <p id="authorize-scopes-label">
                {scopes.length ? (
                  <>
                    <strong>{bot.name}</strong> will be able to, in this conversation:
                  </>
                ) : (
                  <>
                    <strong>{bot.name}</strong> asks for no permissions: it can be mentioned, and nothing more.
                  </>
                )}
              </p>
              {scopes.length > 0 && (
                <ul class="scope-list" aria-labelledby="authorize-scopes-label" data-testid="authorize-scopes">
                  {scopes.map((s) => {
                    const info = scopeInfo(s);
                    return (
                      <li key={s} data-scope={s} class={info.assist ? "scope-assist" : ""}>
                        <div class="scope-title">
                          {info.title} <code class="muted">{s}</code>
                        </div>
                        <div class="muted small">{info.description}</div>
                      </li>
                    );
                  })}
                </ul>
              )}
            </div>
          )}
          <ErrorNote message={err} testid="authorize-error" />
          <div class="form-actions">
            <button type="button" class="btn btn-ghost" data-testid="authorize-refuse" onClick={props.onClose}>
              Refuse
            </button>
            <button type="button" class="btn btn-primary" data-testid="authorize-add" disabled={!bot || busy} onClick={authorize}>
              {busy && <Spinner />} Authorize and add
            </button>
          </div>
        </div>
      )}
    </Dialog>
  );
}
