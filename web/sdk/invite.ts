// Invite links. A link is the site's page with #tandem-invite=TOKEN on the
// end (seen on load, or as a fragment change when the link points at the
// page already open). The token is taken out of the address
// bar at once, so that it is not bookmarked or shared, and then redeemed
// (docs/sdk.md, "Invites").

import { redeem } from "./help";

/** Redeems an invite in the address bar, if there is one (at start, and on hashchange). */
export function checkInvite(): void {
  const m = /[#&]tandem-invite=([^&]+)/.exec(location.hash);
  if (!m) return;
  const rest = location.hash.replace(/[#&]tandem-invite=[^&]+/, "").replace(/^[#&]/, "");
  history.replaceState(history.state, "", location.pathname + location.search + (rest ? "#" + rest : ""));
  void redeem({ token: decodeURIComponent(m[1]) });
}
