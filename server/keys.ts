/** Keys of the per-device maps and sets on the ingest path (rules, push). */

/**
 * `${prefix}${id}`, made once per device and then the same string: rules run on every
 * heartbeat, and a key built anew is a new string to hash in every lookup.
 */
export function deviceKeys(prefix: string): (id: string) => string {
  const made = new Map<string, string>();
  return (id) => {
    let k = made.get(id);
    if (k === undefined) made.set(id, (k = prefix + id));
    return k;
  };
}
