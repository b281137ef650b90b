// A secret shown once (a bot's token, its signing secret), with a copy button.

import { useState } from "preact/hooks";
import { copy } from "../queue/invite";
import { Icon } from "../common/ui";

/** One secret with its label and a copy button. */
export function SecretField({ label, value, testid }: { label: string; value: string; testid: string }) {
  const [copied, setCopied] = useState(false);
  const id = `${testid}-label`;
  return (
    <div class="field">
      <span id={id}>{label}</span>
      <div class="copy-row">
        <code class="secret" data-testid={testid} aria-labelledby={id}>
          {value}
        </code>
        <button
          type="button"
          class="btn"
          aria-label={`Copy the ${label.toLowerCase()}`}
          data-testid={`${testid}-copy`}
          onClick={async () => {
            if (await copy(value)) {
              setCopied(true);
              setTimeout(() => setCopied(false), 1500);
            }
          }}
        >
          <Icon name="copy" /> {copied ? "Copied" : "Copy"}
        </button>
      </div>
    </div>
  );
}

/** The warning under secrets shown once. */
export function OnceWarning() {
  return (
    <div class="warn-note" role="note">
      Copy it now: Tandem shows it this once and keeps only a hash. If it is lost, generate a new token.
    </div>
  );
}
