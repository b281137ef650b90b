// The "verified" badge: the person signed in to the site through the
// passport when they asked for help, and the passport vouched for them.

import { VerifiedPerson } from "../../shared/api";

/** The accessible label of a verified person. */
export function verifiedLabel(v: VerifiedPerson): string {
  return `Verified by the passport: ${v.email}`;
}

/** Shows "verified" beside a person the passport vouched for; nothing otherwise. */
export function VerifiedBadge({ v }: { v?: VerifiedPerson }) {
  if (!v) return null;
  const label = verifiedLabel(v);
  return (
    <span class="verified-badge" role="img" aria-label={label} title={label} data-testid="verified" data-email={v.email}>
      <span aria-hidden="true">✓ verified</span>
    </span>
  );
}
