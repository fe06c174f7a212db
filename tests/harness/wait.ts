export interface WaitForOptions {
  /** Give up after this long. Default 10 s. */
  timeoutMs?: number;
  /** Poll interval. Default 25 ms. */
  intervalMs?: number;
  /** Said in the error when the condition never held. */
  message?: string;
}

/**
 * Wait for a condition, not a duration: calls `fn` until it returns a truthy
 * value (which is returned) or the timeout passes. A throw from `fn` counts as
 * "not yet"; the last one is quoted in the timeout error.
 */
export async function waitFor<T>(fn: () => T | Promise<T>, opts: WaitForOptions = {}): Promise<NonNullable<T>> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const intervalMs = opts.intervalMs ?? 25;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  let attempts = 0;
  for (;;) {
    attempts++;
    try {
      const value = await fn();
      if (value) return value as NonNullable<T>;
      lastError = undefined;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) {
      const what = opts.message ?? 'condition';
      const why = lastError instanceof Error ? `; last error: ${lastError.message}` : lastError !== undefined ? `; last error: ${String(lastError)}` : '';
      throw new Error(`waitFor: ${what} not met within ${timeoutMs} ms (${attempts} attempts)${why}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
