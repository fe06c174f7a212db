/**
 * Secrets out of anything a person or a log collector reads: the credentials
 * in a URL (`http://user:pass@host` → `http://***@host`) and token-like query
 * parameters. Health answers, log lines and error messages pass through here.
 */
const USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@:]*(?::[^\s/@]*)?@/gi;
const SECRET_PARAM = /([?&#](?:token|access_token|password|pass|secret|key|u|p)=)[^&#\s]*/gi;

export function redactText(s: string): string {
  return s.replace(USERINFO, '$1***@').replace(SECRET_PARAM, '$1***');
}

/** A URL as it may be shown: no user, no password, no secret query parameters. */
export function redactUrl(url: string): string {
  return redactText(url);
}

/** An error with its message and stack redacted (for logs). */
export function redactError(err: Error): { type: string; message: string; stack?: string | undefined } {
  return { type: err.name, message: redactText(err.message), stack: err.stack === undefined ? undefined : redactText(err.stack) };
}

/** Redacts every string value of a log record, one level deep and in nested `err` objects. */
export function redactRecord(o: Record<string, unknown>): Record<string, unknown> {
  let out: Record<string, unknown> | null = null;
  for (const [k, v] of Object.entries(o)) {
    let r: unknown = v;
    if (typeof v === 'string') r = redactText(v);
    else if (v instanceof Error) r = redactError(v);
    else if (v && typeof v === 'object' && !Array.isArray(v) && (k === 'err' || k === 'error')) r = redactRecord(v as Record<string, unknown>);
    if (r !== v) (out ??= { ...o })[k] = r;
  }
  return out ?? o;
}
