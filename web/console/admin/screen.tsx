// Administration: agents, sites and the audit log, for admins. Three tabs
// of one screen; every change goes through the administration API and is
// in the audit log.

import { useState } from "preact/hooks";
import { User } from "../../shared/api";
import { AgentsTab } from "./agents";
import { AuditTab } from "./audit";
import { SitesTab } from "./sites";

type Tab = "agents" | "sites" | "audit";

const tabs: { id: Tab; label: string }[] = [
  { id: "agents", label: "Agents" },
  { id: "sites", label: "Sites" },
  { id: "audit", label: "Audit log" },
];

/** The Administration screen. */
export function AdminScreen({ me }: { me: User }) {
  const [tab, setTab] = useState<Tab>("agents");
  return (
    <div class="screen">
      <header class="screen-head">
        <div>
          <h1>Administration</h1>
          <div class="sub">Agents, sites and the audit log.</div>
        </div>
        <div class="head-actions admin-tabs" role="tablist" aria-label="Administration">
          {tabs.map((t) => (
            <button
              key={t.id}
              role="tab"
              class={`btn${tab === t.id ? " btn-primary" : ""}`}
              aria-selected={tab === t.id}
              data-testid={`admin-tab-${t.id}`}
              onClick={() => setTab(t.id)}
            >
              {t.label}
            </button>
          ))}
        </div>
      </header>
      <div class="screen-body" role="tabpanel">
        {tab === "agents" && <AgentsTab me={me} />}
        {tab === "sites" && <SitesTab />}
        {tab === "audit" && <AuditTab />}
      </div>
    </div>
  );
}
