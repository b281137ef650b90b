// The toast stack's rule: a toast that says the same as one on screen
// replaces it with a counter (×3) instead of stacking copies, and the stack
// keeps only the newest few.

/** The most toasts on screen at once. */
export const maxToasts = 4;

/** What merging needs of a toast. */
export interface Mergeable {
  id: number;
  text: string;
  tone: string;
  /** How many times it was said; absent means once. */
  count?: number;
}

/**
 * Returns the stack with t added: a toast of the same text and tone is
 * taken out and t goes last with its count plus one (t's new id is what its
 * timer drops, so the merged toast stays its full time); the oldest fall off.
 */
export function mergeToast<T extends Mergeable>(toasts: readonly T[], t: T): T[] {
  const same = toasts.find((x) => x.text === t.text && x.tone === t.tone);
  const rest = same ? toasts.filter((x) => x !== same) : toasts;
  const added = same ? { ...t, count: (same.count ?? 1) + 1 } : t;
  return [...rest.slice(-(maxToasts - 1)), added];
}
