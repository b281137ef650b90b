// The person's tabs of the site (docs/protocol.md, "Tabs"): the SDK follows
// the tab in front and sends the list; the live view shows it, the front tab
// marked, so that the agent knows which page the mirror is showing and that
// others are open.

import { Icon } from "../common/ui";
import { shortURL } from "../../shared/format";
import "./tabs.css";

/** One of the person's tabs, as the `tabs` frame lists it. */
export interface PersonTab {
  id: string;
  title: string;
  url: string;
  front: boolean;
}

/** Returns the tabs of a `tabs` frame's payload, dropping malformed entries; null for a payload without a list. */
export function parseTabs(p: unknown): PersonTab[] | null {
  const list = (p as { tabs?: unknown } | null)?.tabs;
  if (!Array.isArray(list)) return null;
  const out: PersonTab[] = [];
  for (const t of list) {
    if (!t || typeof t !== "object" || typeof t.id !== "string" || !t.id) continue;
    out.push({ id: t.id, title: typeof t.title === "string" ? t.title : "", url: typeof t.url === "string" ? t.url : "", front: t.front === true });
  }
  return out;
}

/** The side panel's list of the person's tabs; nothing while there is only one. */
export function TabsSection({ tabs }: { tabs: PersonTab[] | null }) {
  if (!tabs || tabs.length < 2) return null;
  return (
    <section class="pages person-tabs" data-testid="person-tabs" aria-label="The person's tabs">
      <h3>
        Tabs <span class="section-count">{tabs.length}</span>
      </h3>
      <ul>
        {tabs.map((t) => (
          <li
            key={t.id}
            class={`page-item${t.front ? " current" : ""}`}
            data-testid="person-tab"
            data-tab-id={t.id}
            data-front={t.front ? "true" : "false"}
            aria-current={t.front ? "true" : undefined}
            title={t.url}
          >
            <Icon name="page" size={14} />
            <span class="page-title">{t.title || shortURL(t.url) || t.id}</span>
            {t.front ? <span class="tab-front">In front</span> : <span class="page-url">{shortURL(t.url)}</span>}
          </li>
        ))}
      </ul>
    </section>
  );
}
