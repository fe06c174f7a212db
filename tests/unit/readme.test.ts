import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { configSchema } from '../../server/config.js';

const root = path.join(import.meta.dirname, '..', '..');
const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');

describe('README', () => {
  it('shows the two commands', () => {
    expect(readme).toMatch(/^npm start\b/m);
    expect(readme).toMatch(/^npm test\b/m);
  });

  it('lists every configuration variable in its table', () => {
    const table = readme.slice(readme.indexOf('## Configuration'), readme.indexOf('## Production'));
    const missing = Object.keys(configSchema.shape).filter((k) => !table.includes(`\`${k}\``));
    expect(missing).toEqual([]);
  });

  it('links only to files that exist', () => {
    const links = [...readme.matchAll(/\]\(([^)#]+)\)/g)].map((m) => m[1]!).filter((l) => !/^https?:/.test(l));
    expect(links.length).toBeGreaterThan(3);
    const broken = links.filter((l) => !fs.existsSync(path.join(root, l)));
    // The screenshot is produced and committed by tests/browser/console.test.ts.
    expect(broken).toEqual([]);
  });

  it('gives its `npm run users` examples a unit of the demo city pack (README and docs)', () => {
    const pack = configSchema.shape.CITY_PACK.parse(undefined);
    const sites = JSON.parse(fs.readFileSync(path.resolve(root, pack, 'sites.json'), 'utf8')) as { units: { id: string }[] };
    const units = new Set(sites.units.map((u) => u.id));
    const docs = [readme, ...fs.readdirSync(path.join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => fs.readFileSync(path.join(root, 'docs', f), 'utf8'))];
    const examples = docs.flatMap((d) => [...d.matchAll(/^npm run users -- add .*?--unit ([\w-]+)/gm)].map((m) => m[1]!));
    expect(examples.length).toBeGreaterThan(0);
    expect(examples.filter((u) => !units.has(u))).toEqual([]);
  });
});
