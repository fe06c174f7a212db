/**
 * Which ids changed between two versions of a collection, without comparing them.
 *
 * The store's collections are immutable records, copied when a delta touches them.
 * With 50,000 devices, anything that walks a whole record on every delta (the map
 * feed, the up/down counters) costs tens of milliseconds on the main thread. So
 * applyDelta notes, for each new collection it makes, the ids it changed and the
 * collection it came from; readers that remember the version they last saw ask
 * for the ids changed since and do work in proportion to them.
 *
 * Nothing here holds a collection: versions are numbers kept in a WeakMap, and the
 * log of steps is bounded, so old collections are collected as before. When the
 * chain is broken (a snapshot, a resync, more steps than the log keeps) the answer
 * is null and the reader falls back to a full pass.
 */

const versions = new WeakMap<object, number>();
let nextVersion = 1;

/** Steps by the version they produced: the version they came from and the ids they changed. */
const steps = new Map<number, { parent: number; ids: readonly string[] }>();
const MAX_STEPS = 256;
/** Past this many steps between two versions a full pass is as cheap as the walk. */
const MAX_HOPS = 64;

function versionOf(collection: object): number {
  let v = versions.get(collection);
  if (v === undefined) {
    v = nextVersion++;
    versions.set(collection, v);
  }
  return v;
}

/** Record that `next` is `prev` with `ids` replaced, added or removed. */
export function noteStep(next: object, prev: object, ids: readonly string[]): void {
  const parent = versionOf(prev);
  steps.set(versionOf(next), { parent, ids });
  if (steps.size > MAX_STEPS) {
    // Map keeps insertion order: drop the oldest.
    const oldest = steps.keys().next().value;
    if (oldest !== undefined) steps.delete(oldest);
  }
}

/**
 * The ids that may differ between `base` and `current` (a superset: an id changed
 * twice is listed twice; one changed and changed back is listed too), or null
 * when `current` is not known to descend from `base`.
 */
export function changedSince(current: object, base: object): string[] | null {
  if (current === base) return [];
  const target = versions.get(base);
  let v = versions.get(current);
  if (target === undefined || v === undefined) return null;
  const parts: (readonly string[])[] = [];
  for (let hops = 0; v !== target; hops++) {
    const step: { parent: number; ids: readonly string[] } | undefined = hops < MAX_HOPS ? steps.get(v!) : undefined;
    if (!step) return null;
    parts.push(step.ids);
    v = step.parent;
  }
  return parts.length === 1 ? [...parts[0]!] : parts.reverse().flat();
}
