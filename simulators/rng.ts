/**
 * Seeded randomness. Every random draw in the generator comes from one of these
 * streams, never Math.random, so that the same seed always yields the same events.
 * Separate named streams (plan vs. run) keep a scenario's plan independent of how
 * many baseline draws happened before it.
 */
import seedrandom from 'seedrandom';

export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  uniform(min: number, max: number): number;
  int(min: number, maxInclusive: number): number;
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
  /** Pick by weight; weights need not sum to 1. */
  weighted<T>(items: readonly (readonly [T, number])[]): T;
  /** Poisson-distributed count with mean `lambda` (Knuth; fine for the small means we use). */
  poisson(lambda: number): number;
}

export function createRng(seed: number | string, stream: string): Rng {
  const prng = seedrandom(`${seed}:${stream}`);
  const next = () => prng.quick();
  const rng: Rng = {
    next,
    uniform: (min, max) => min + (max - min) * next(),
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    chance: (p) => next() < p,
    pick: (items) => {
      if (items.length === 0) throw new Error('rng.pick from an empty list');
      return items[Math.floor(next() * items.length)]!;
    },
    weighted: (items) => {
      const total = items.reduce((s, [, w]) => s + w, 0);
      let r = next() * total;
      for (const [item, w] of items) {
        r -= w;
        if (r < 0) return item;
      }
      return items[items.length - 1]![0];
    },
    poisson: (lambda) => {
      if (lambda <= 0) return 0;
      // Split big means so exp(-lambda) does not underflow.
      if (lambda > 30) return rng.poisson(lambda / 2) + rng.poisson(lambda / 2);
      const l = Math.exp(-lambda);
      let k = 0;
      let p = 1;
      do {
        k++;
        p *= next();
      } while (p > l);
      return k - 1;
    },
  };
  return rng;
}
