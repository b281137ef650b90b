// The answer preview: paste the JSON a bot would answer with, and see the
// messages it would post and the instructions that would be refused.

import { useState } from "preact/hooks";
import { errorMessage } from "../../shared/api";
import type { Message } from "../chat/api";
import { MessageBody } from "../chat/message";
import { Avatar, ErrorNote, Spinner } from "../common/ui";
import { botsApi, previewErrorText } from "./api";

const example = JSON.stringify(
  {
    instructions: [
      {
        type: "post",
        message: {
          text: "Hello! Want an agent to look at your screen?",
          blocks: [{ type: "actions", buttons: [{ label: "Share my screen", actionId: "share", style: "primary" }] }],
        },
      },
    ],
  },
  null,
  2,
);

/** The preview section of a bot's page. */
export function PreviewSection() {
  const [text, setText] = useState(example);
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState<string | null>(null);
  const [result, setResult] = useState<{ messages: Message[]; errors: string[] } | null>(null);

  const preview = async (e: Event) => {
    e.preventDefault();
    let answer: unknown;
    try {
      answer = JSON.parse(text);
    } catch (e2) {
      setErr(`That is not JSON: ${e2 instanceof Error ? e2.message : String(e2)}`);
      setResult(null);
      return;
    }
    setBusy(true);
    setErr(null);
    try {
      const r = await botsApi.preview(answer);
      setResult({ messages: r.messages ?? [], errors: (r.errors ?? []).map(previewErrorText) });
    } catch (e2) {
      setErr(errorMessage(e2));
      setResult(null);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="card" aria-labelledby="bot-preview-h" data-testid="bot-preview">
      <h2 id="bot-preview-h">Answer preview</h2>
      <form class="form" onSubmit={preview}>
        <label class="field">
          <span>An answer, as the bot would send it</span>
          <textarea class="mono" rows={10} value={text} spellcheck={false} data-testid="preview-input" onInput={(e) => setText((e.currentTarget as HTMLTextAreaElement).value)} />
        </label>
        <ErrorNote message={err} testid="preview-error" />
        <div class="form-actions">
          <button type="submit" class="btn" disabled={busy} data-testid="preview-run">
            {busy && <Spinner />} Preview
          </button>
        </div>
      </form>
      {result && (
        <div class="preview-out" aria-live="polite" data-testid="preview-result">
          {result.errors.length > 0 && (
            <ul class="preview-errors" data-testid="preview-errors">
              {result.errors.map((x, i) => (
                <li key={i} class="bad-text">
                  {x}
                </li>
              ))}
            </ul>
          )}
          {result.messages.length === 0 ? (
            <div class="muted small">No messages would be posted.</div>
          ) : (
            <ol class="msgs">
              {result.messages.map((m, i) => (
                <li key={i} class="msg" data-testid="preview-message">
                  <div class="msg-gutter">
                    <Avatar name={m.author?.name || "bot"} size={28} />
                  </div>
                  <div class="msg-main">
                    <div class="msg-head">
                      <span class="msg-author">{m.author?.name || "bot"}</span>
                      <span class="msg-tag">bot</span>
                    </div>
                    <MessageBody text={m.text} blocks={m.blocks} handles={[]} />
                  </div>
                </li>
              ))}
            </ol>
          )}
        </div>
      )}
    </section>
  );
}
