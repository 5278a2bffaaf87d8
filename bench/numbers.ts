/** Small helpers for the bench's numbers and tables. */

/** The median of some values. */
export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

/** The q-quantile (0..1) of some values, linearly interpolated between the nearest two. */
export function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (sorted.length - 1) * q;
  const low = Math.floor(at);
  const high = Math.ceil(at);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (at - low);
}

/** A ratio as a percentage with one decimal, e.g. `91.1`. */
export function percent(ratio: number): string {
  return (ratio * 100).toFixed(1);
}

/** `text` padded to `width`, on the left when `right` (numbers). */
export function pad(text: string, width: number, right = false): string {
  return right ? text.padStart(width) : text.padEnd(width);
}

/** Writes one line to stdout. */
export function print(line = ''): void {
  process.stdout.write(`${line}\n`);
}
