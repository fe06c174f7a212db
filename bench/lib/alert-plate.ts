/**
 * The trickle's plate: `<publish ms>.<trickle index>`, both base 36 (13 characters, under
 * the contract's 16). Its own module: console children read plates without loading mqtt.
 */
export function alertPlate(ts: number, index: number): string {
  return `${ts.toString(36)}.${index.toString(36)}`;
}

/** The publish time and the index a plate carries, or null for any other plate. */
export function readAlertPlate(plate: string): { ts: number; index: number } | null {
  const m = /^([0-9a-z]+)\.([0-9a-z]+)$/.exec(plate);
  return m ? { ts: parseInt(m[1]!, 36), index: parseInt(m[2]!, 36) } : null;
}
