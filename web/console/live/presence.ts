// What the participants strip says about the person: connected, gone
// (their page closed, or a navigation not finished yet), or back after
// being gone. The server's presence frame only says connected or away;
// "back" is what this view saw happen.

/** The person's connection as the strip shows it. */
export type PersonLink = "unknown" | "connected" | "disconnected" | "back";

/** The strip's label and tooltip for each state. */
export const personLinkText: Record<PersonLink, { label: string; title: string }> = {
  unknown: { label: "Person", title: "Waiting for the server to say whether the person is connected" },
  connected: { label: "Person connected", title: "The person's page is connected" },
  disconnected: {
    label: "Person disconnected",
    title: "The person's page is gone (closed, reloading or changing page); the assist waits a moment for them to come back before it ends",
  },
  back: { label: "Person back", title: "The person's page is connected again after it was gone" },
};

/** Returns the person's state after a presence frame that says person ("connected", "away" or anything else), given the previous one. */
export function nextPersonLink(prev: PersonLink, person: string | undefined): PersonLink {
  if (person === "away") return "disconnected";
  if (person === "connected") return prev === "disconnected" || prev === "back" ? "back" : "connected";
  return prev;
}
