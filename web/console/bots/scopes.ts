// The scopes a bot can hold (tandem.AllScopes, in the same order), with
// what each lets the bot do, in the words the console shows owners and the
// people who add a bot to a conversation.

/** A scope and what it allows. */
export interface ScopeInfo {
  scope: string;
  title: string;
  description: string;
  /** Scopes that act on a person's assist. */
  assist?: boolean;
}

/** Every scope, in the order the console lists them. */
export const scopes: readonly ScopeInfo[] = [
  { scope: "messages:read", title: "Read messages", description: "Read the messages of the conversations it is in." },
  { scope: "messages:write", title: "Post messages", description: "Post messages, and replace its own messages." },
  {
    scope: "conversations:write",
    title: "Change conversation info",
    description: "Rename a conversation and change its avatar and description.",
  },
  { scope: "members:write", title: "Add members", description: "Add people, agents and bots to a conversation." },
  { scope: "conversations:create", title: "Create conversations", description: "Start new conversations." },
  { scope: "members:read", title: "Read member info", description: "See who is in a conversation." },
  {
    scope: "assist:read",
    title: "See the assist",
    description: "See the state of the person's assist and the address of the page they are on.",
    assist: true,
  },
  {
    scope: "assist:invite",
    title: "Offer a co-browse",
    description: "Create an invite to share the person's screen and post it as a button.",
    assist: true,
  },
  {
    scope: "assist:handover",
    title: "Hand over to an agent",
    description: "Put the conversation in the agents' queue with a summary.",
    assist: true,
  },
  { scope: "assist:end", title: "End the assist", description: "End the person's assist.", assist: true },
];

/** Returns what is known of a scope; an unknown one is shown by its name. */
export function scopeInfo(scope: string): ScopeInfo {
  return scopes.find((s) => s.scope === scope) ?? { scope, title: scope, description: "A scope this console does not describe." };
}

/** Returns the scopes in the console's order, unknown ones last, each once. */
export function orderScopes(list: readonly string[]): string[] {
  const set = new Set(list);
  const known = scopes.map((s) => s.scope).filter((s) => set.has(s));
  const unknown = [...set].filter((s) => !known.includes(s)).sort();
  return [...known, ...unknown];
}
