import type { ExtractedObservable } from './observable.js';

/**
 * Observables in order of their position in the refanged text, as two
 * parallel arrays (no tuple per observable).
 */
export class Found {
  readonly positions: number[] = [];
  readonly observables: Readonly<ExtractedObservable>[] = [];

  get length(): number {
    return this.positions.length;
  }

  push(position: number, observable: Readonly<ExtractedObservable>): void {
    this.positions.push(position);
    this.observables.push(observable);
  }

  truncate(length: number): void {
    this.positions.length = length;
    this.observables.length = length;
  }

  /** Stable sort of the entries from `from` on by position: insertion sort for the handful a token usually adds. */
  sortFrom(from: number): void {
    const { positions, observables } = this;
    const count = positions.length - from;
    if (count > 16) {
      const order = Array.from({ length: count }, (_, i) => from + i).sort((a, b) => positions[a]! - positions[b]! || a - b);
      const sortedPositions = order.map((i) => positions[i]!);
      const sortedObservables = order.map((i) => observables[i]!);
      for (let i = 0; i < count; i++) {
        positions[from + i] = sortedPositions[i]!;
        observables[from + i] = sortedObservables[i]!;
      }
      return;
    }
    for (let i = from + 1; i < positions.length; i++) {
      const position = positions[i]!;
      const observable = observables[i]!;
      let j = i - 1;
      while (j >= from && positions[j]! > position) {
        positions[j + 1] = positions[j]!;
        observables[j + 1] = observables[j]!;
        j--;
      }
      positions[j + 1] = position;
      observables[j + 1] = observable;
    }
  }
}
