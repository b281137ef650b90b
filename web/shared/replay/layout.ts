// Sizing of the mirror.

/** A width and height in CSS pixels. */
export interface Size {
  width: number;
  height: number;
}

/** Room left around the mirror when it is fitted, in CSS pixels. */
export const fitPadding = 24;

/** Returns the scale that fits size into area (less the padding); never above 1, never zero. */
export function fitScale(size: Size, area: Size): number {
  if (!size.width || !size.height) return 1;
  const w = Math.max(1, area.width - fitPadding);
  const h = Math.max(1, area.height - fitPadding);
  return Math.max(0.05, Math.min(1, w / size.width, h / size.height));
}
