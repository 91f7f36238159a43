/** Position helpers for the extractor: sorted defang marks and sorted, disjoint text ranges, searched in O(log n). */

/** Whether a defang marker was replaced inside `[start, end)`: `setup[.]py` is a host, `setup.py` a file. */
export function hasMark(marks: readonly number[], start: number, end: number): boolean {
  let lo = 0;
  let hi = marks.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (marks[mid]! < start) lo = mid + 1;
    else hi = mid;
  }
  return lo < marks.length && marks[lo]! < end;
}

export type Range = [start: number, end: number];

/** Whether `[start, end)` overlaps one of `ranges` (sorted, disjoint): binary search, so a 1 MB token stays linear. */
export function overlaps(ranges: readonly Range[], start: number, end: number): boolean {
  let lo = 0;
  let hi = ranges.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ranges[mid]![1] <= start) lo = mid + 1;
    else hi = mid;
  }
  return lo < ranges.length && ranges[lo]![0] < end;
}

/** Merge two sorted lists of disjoint ranges into `into` (sorted). */
export function mergeRanges(into: Range[], added: readonly Range[]): void {
  if (added.length === 0) return;
  const existing = into.splice(0, into.length);
  let i = 0;
  let j = 0;
  while (i < existing.length || j < added.length) {
    if (j >= added.length || (i < existing.length && existing[i]![0] <= added[j]![0])) into.push(existing[i++]!);
    else into.push(added[j++]!);
  }
}
