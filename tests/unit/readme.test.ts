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
});
