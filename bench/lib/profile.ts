/** Top self-time functions of a V8 .cpuprofile (what `node --cpu-prof` writes). */
import fs from 'node:fs';
import path from 'node:path';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

export function topSelfTime(dir: string, top = 15): { fn: string; where: string; selfPct: number }[] {
  const file = fs.readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).map((f) => path.join(dir, f)).sort((a, b) => fs.statSync(b).size - fs.statSync(a).size)[0];
  if (!file) return [];
  const prof = JSON.parse(fs.readFileSync(file, 'utf8')) as { nodes: Node[]; samples: number[] };
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  for (const s of prof.samples) {
    const n = byId.get(s);
    if (!n) continue;
    const where = n.callFrame.url ? `${n.callFrame.url.replace(/^file:\/\/.*?\/(node_modules|server|contract|simulators)\//, '$1/')}:${n.callFrame.lineNumber + 1}` : '';
    const key = `${n.callFrame.functionName || '(anonymous)'}\t${where}`;
    self.set(key, (self.get(key) ?? 0) + 1);
  }
  const total = prof.samples.length;
  return [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([k, v]) => {
      const [fn, where] = k.split('\t');
      return { fn: fn!, where: where!, selfPct: Math.round((v / total) * 1000) / 10 };
    });
}
