/**
 * A unit's callsign: the short name on its map marker and in the roster, read
 * from its city-pack id without the unit prefix ("u-csgt-pr" → "CSGT-PR",
 * "tt-u-fire" → "FIRE"), so a marker says which unit it is at any zoom.
 */
export function unitCallsign(id: string): string {
  const bare = id.replace(/^(?:.*?-)?u-/i, '') || id;
  return bare.toUpperCase().slice(0, 10);
}
