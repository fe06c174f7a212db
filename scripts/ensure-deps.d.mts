/** Absolute path of an executable on PATH (or in the sbin folders a non-root PATH lacks), or null. */
export function findBinary(name: string): string | null;
