// Toasts: refusals and failed operations, shown briefly at the bottom.

import type { Toast } from "../live/interact";
import { Icon } from "./ui";

/** The stack of toasts. */
export function Toasts({ toasts, onClose }: { toasts: readonly Toast[]; onClose(id: number): void }) {
  if (!toasts.length) return null;
  return (
    <div class="toasts" aria-live="polite">
      {toasts.map((t) => (
        <div key={t.id} class={`toast toast-${t.tone}`} data-testid="toast" role={t.tone === "bad" ? "alert" : "status"}>
          <span class="toast-text">{t.text}</span>
          {(t.count ?? 1) > 1 && (
            <span class="toast-count" data-testid="toast-count" aria-label={`${t.count} times`}>
              ×{t.count}
            </span>
          )}
          <button class="toast-close" aria-label="Dismiss" onClick={() => onClose(t.id)}>
            <Icon name="close" size={14} />
          </button>
        </div>
      ))}
    </div>
  );
}
