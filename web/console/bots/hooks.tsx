// The conversations a bot is in, each with its incoming webhook URL.
// Deleting a webhook removes the bot from that conversation.

import { useEffect, useState } from "preact/hooks";
import { errorMessage } from "../../shared/api";
import { ConfirmDialog } from "../chat/confirm";
import { Link } from "../app/router";
import { paths } from "../app/routes";
import { ErrorNote, Icon, Loading } from "../common/ui";
import { BotHook, botsApi, hookConversation } from "./api";
import { SecretField } from "./secret";

/** The webhooks section of a bot's page. */
export function HooksSection({ botId }: { botId: string }) {
  const [list, setList] = useState<BotHook[] | null>(null);
  const [err, setErr] = useState<string | null>(null);
  const [removing, setRemoving] = useState<BotHook | null>(null);
  const load = () =>
    botsApi
      .hooks(botId)
      .then((r) => setList(r.hooks ?? []))
      .catch((e) => {
        setErr(errorMessage(e));
        setList([]);
      });
  useEffect(() => {
    void load();
  }, [botId]);

  return (
    <section class="card" aria-labelledby="bot-hooks-h" data-testid="bot-hooks">
      <h2 id="bot-hooks-h">Conversations and webhooks</h2>
      <p class="muted">
        A POST of a Slack-style payload to a conversation's URL posts there as the bot, so monitoring and CI tools that post to Slack work
        unchanged. Keep the URLs secret.
      </p>
      <ErrorNote message={err} />
      {list === null ? (
        <Loading inline />
      ) : list.length === 0 ? (
        <div class="muted small" data-testid="bot-hooks-empty">
          The bot is in no conversation yet. Add it from a conversation's members panel.
        </div>
      ) : (
        <ul class="hook-list">
          {list.map((h) => {
            const c = hookConversation(h);
            return (
              <li key={h.id} class="hook" data-testid="bot-hook" data-hook-id={h.id} data-conversation-id={c.id}>
                <div class="hook-head">
                  <Link href={paths.conversation(c.id)} data-testid="bot-hook-conversation">
                    {c.name}
                  </Link>
                  <button class="btn btn-ghost" data-testid="bot-hook-delete" aria-label={`Delete the webhook of ${c.name}`} onClick={() => setRemoving(h)}>
                    <Icon name="trash" /> Delete
                  </button>
                </div>
                <SecretField label="Webhook URL" value={h.url} testid="bot-hook-url" />
              </li>
            );
          })}
        </ul>
      )}
      {removing && (
        <ConfirmDialog
          title="Delete this webhook?"
          confirm="Delete and remove the bot"
          danger
          testid="hook-delete-confirm"
          onConfirm={() => botsApi.removeHook(botId, removing.id).then(load)}
          onClose={() => setRemoving(null)}
        >
          The URL stops working, and the bot leaves “{hookConversation(removing).name}”.
        </ConfirmDialog>
      )}
    </section>
  );
}
