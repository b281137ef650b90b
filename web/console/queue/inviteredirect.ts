// Taking the agent to the assist their invite started. An invite's assist
// starts live, assigned to the agent who made it, the moment the person
// redeems it; the queue shows it, and its audit log names the invite
// ("invite.redeem", detail: the invite's id). So the console remembers the
// invites it made, and when a new assist of this agent appears in the queue
// and its log names one of them, it opens that assist.

import type { Assist, AssistDetails, Invite } from "../../shared/api";
import { parseTime } from "../../shared/format";

/** How long after its expiry an invite is still watched for (the queue may lag). */
export const inviteGraceMs = 60_000;

/** What InviteRedirect needs; the console passes the queue, the API and the router. */
export interface InviteRedirectDeps {
  queue: { readonly assists: readonly Assist[]; subscribe(fn: () => void): () => void };
  /** The signed-in agent's id. */
  me: string;
  details(id: string): Promise<AssistDetails>;
  /** Opens the assist. */
  go(assistId: string): void;
  now(): number;
}

/** Returns the id of the invite (one of pending) that started the assist d, or null. */
export function redeemedInvite(d: AssistDetails, pending: ReadonlySet<string>): string | null {
  const e = (d.audit ?? []).find((x) => x.action === "invite.redeem" && x.detail !== undefined && pending.has(x.detail));
  return e?.detail ?? null;
}

/** InviteRedirect watches the queue for the assists of the invites it was told about. */
export class InviteRedirect {
  private readonly pending = new Map<string, number>(); // invite id → watched until
  private readonly seen = new Set<string>(); // assists already looked at
  private readonly unsubscribe: () => void;

  constructor(private readonly d: InviteRedirectDeps) {
    for (const a of d.queue.assists) this.seen.add(a.id);
    this.unsubscribe = d.queue.subscribe(() => this.check());
  }

  /** Watches for the assist the invite starts. */
  expect(inv: Invite): void {
    const until = parseTime(inv.expiresAt);
    this.pending.set(inv.id, (isNaN(until) ? this.d.now() + 3_600_000 : until) + inviteGraceMs);
  }

  /** Stops watching. */
  stop(): void {
    this.unsubscribe();
    this.pending.clear();
  }

  private check(): void {
    const now = this.d.now();
    for (const [id, until] of this.pending) if (until < now) this.pending.delete(id);
    const fresh = this.d.queue.assists.filter((a) => !this.seen.has(a.id));
    for (const a of fresh) this.seen.add(a.id);
    if (this.pending.size === 0) return;
    for (const a of fresh) {
      if (a.agentId !== this.d.me || a.state !== "live") continue;
      this.d
        .details(a.id)
        .then((details) => {
          const inv = redeemedInvite(details, new Set(this.pending.keys()));
          if (inv === null) return;
          this.pending.delete(inv);
          this.d.go(a.id);
        })
        .catch(() => {
          // the assist stays in the queue for the agent to open
        });
    }
  }
}
