/**
 * Process figures straight from /proc, so the bench measures every process the
 * same way (server, Node-RED, Mosquitto) without instrumenting any of them.
 */
import fs from 'node:fs';

const TICKS = 100; // USER_HZ on Linux
const PAGE = 4096;

/** utime+stime in seconds and RSS in bytes, or null when the process is gone. */
export function readProc(pid: number): { cpuS: number; rssBytes: number } | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the ")" of the command name: state is field 3, utime 14, stime 15, rss 24.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { cpuS: (Number(f[11]) + Number(f[12])) / TICKS, rssBytes: Number(f[21]) * PAGE };
  } catch {
    return null;
  }
}

export interface ProcSample {
  t: number;
  cpuPct: number;
  rssMB: number;
}

/**
 * Samples a process every `everyMs`: CPU % of one core over each interval and RSS.
 * summary() gives mean CPU over the whole window (from the cumulative counter, so
 * sampling jitter does not matter), peak RSS and the samples for a memory curve.
 */
export function sampleProc(pid: number, everyMs = 1000) {
  const t0 = performance.now();
  const first = readProc(pid);
  let last = { t: t0, cpuS: first?.cpuS ?? 0 };
  let peakRss = first?.rssBytes ?? 0;
  const samples: ProcSample[] = [];
  const timer = setInterval(() => {
    const p = readProc(pid);
    if (!p) return;
    const t = performance.now();
    samples.push({ t: Math.round(t - t0), cpuPct: round1(((p.cpuS - last.cpuS) / ((t - last.t) / 1000)) * 100), rssMB: round1(p.rssBytes / 2 ** 20) });
    last = { t, cpuS: p.cpuS };
    peakRss = Math.max(peakRss, p.rssBytes);
  }, everyMs);
  timer.unref();
  return {
    samples,
    summary() {
      clearInterval(timer);
      const p = readProc(pid);
      const secs = (performance.now() - t0) / 1000;
      if (p) peakRss = Math.max(peakRss, p.rssBytes);
      const cpuS = (p?.cpuS ?? last.cpuS) - (first?.cpuS ?? 0);
      return { cpuPct: round1((cpuS / secs) * 100), peakRssMB: round1(peakRss / 2 ** 20), samples };
    },
  };
}

export const round1 = (v: number) => Math.round(v * 10) / 10;

/**
 * The kernel's CPU pressure (PSI, /proc/pressure/cpu `some` total, µs): the share of wall
 * time during which at least one runnable task waited for a CPU. Other people's work on
 * a shared machine shows here. null where the kernel has no PSI.
 */
export function cpuPressure(): { pct(): number | null } {
  const read = (): number | null => {
    try {
      const m = /some .*total=(\d+)/.exec(fs.readFileSync('/proc/pressure/cpu', 'utf8'));
      return m ? Number(m[1]) : null;
    } catch {
      return null;
    }
  };
  const t0 = performance.now();
  const p0 = read();
  return {
    pct() {
      const p1 = read();
      if (p0 === null || p1 === null) return null;
      return Math.round(((p1 - p0) / 1000 / (performance.now() - t0)) * 1000) / 10;
    },
  };
}

/** CPU seconds of a process and its direct children (PostgreSQL: the postmaster and its backends). */
export function processTreeCpuS(pid: number): number {
  let s = readProc(pid)?.cpuS ?? 0;
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(f[1]) === pid) s += (Number(f[11]) + Number(f[12])) / TICKS;
    } catch {
      /* gone */
    }
  }
  return s;
}
