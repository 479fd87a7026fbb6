/**
 * The Node version the project says it needs is the one its dependencies need: `engines` in package.json is
 * the highest minimum any installed package declares, `.npmrc` makes `npm ci` stop on an older Node, and the
 * README and CI say the same version.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const read = (name: string) => readFileSync(resolve(root, name), 'utf8');
const pkg = JSON.parse(read('package.json')) as { engines: { node: string } };
const lock = JSON.parse(read('package-lock.json')) as { packages: Record<string, { engines?: { node?: string } | string[] }> };

type Version = [number, number, number];
const parse = (text: string): Version => {
  const [a = 0, b = 0, c = 0] = text.replace(/^v/, '').split('.').map((n) => Number.parseInt(n, 10) || 0);
  return [a, b, c];
};
const compare = (x: Version, y: Version): number => x[0] - y[0] || x[1] - y[1] || x[2] - y[2];

/** The range forms package.json files use: `>=x`, `^x`, `~x`, `x`, `*`, joined by `||` (and spaces for "and"). */
function satisfies(version: Version, range: string): boolean {
  return range.split('||').some((alternative) => {
    const parts = alternative.trim().replace(/(>=|<=|>|<|\^|~|=)\s+/g, '$1').split(/\s+/).filter(Boolean);
    return parts.every((part) => {
      const m = /^(>=|<=|>|<|\^|~|=)?v?(\d+(?:\.\d+){0,2}|\*|x)(?:\.x)*$/.exec(part);
      if (!m) throw new Error(`range not understood: ${range}`);
      const [, op = '=', text = '*'] = m;
      if (text === '*' || text === 'x') return true;
      const bound = parse(text);
      const cmp = compare(version, bound);
      switch (op) {
        case '>=': return cmp >= 0;
        case '>': return cmp > 0;
        case '<=': return cmp <= 0;
        case '<': return cmp < 0;
        case '^': return version[0] === bound[0] && cmp >= 0;
        case '~': return version[0] === bound[0] && version[1] === bound[1] && cmp >= 0;
        default: return text.split('.').length === 3 ? cmp === 0 : version[0] === bound[0] && (text.split('.').length === 1 || version[1] === bound[1]);
      }
    });
  });
}

const ranges = Object.entries(lock.packages)
  .map(([path, entry]) => [path, Array.isArray(entry.engines) ? undefined : entry.engines?.node] as const)
  .filter((entry): entry is readonly [string, string] => entry[0] !== '' && typeof entry[1] === 'string');
const minimum = parse(/^>=\s*(\S+)$/.exec(pkg.engines.node)?.[1] ?? '0');

describe('the Node version', () => {
  it('engines names a minimum every installed package accepts', () => {
    const refusing = ranges.filter(([, range]) => !satisfies(minimum, range));
    expect(refusing).toEqual([]);
  });

  it('is the real minimum: one release older is refused by some package', () => {
    const older: Version = minimum[2] > 0 ? [minimum[0], minimum[1], minimum[2] - 1] : [minimum[0], minimum[1] - 1, 99];
    expect(ranges.filter(([, range]) => !satisfies(older, range)).length).toBeGreaterThan(0);
  });

  it('npm refuses to install on an older Node (engine-strict)', () => {
    expect(read('.npmrc').split('\n').map((l) => l.trim())).toContain('engine-strict=true');
  });

  it('the README and CI name the same version, and this Node meets it', () => {
    const shown = pkg.engines.node.replace('>=', '');
    expect(read('README.md')).toContain(`Node.js ${shown} or newer`);
    expect(read('.ci/run')).toContain(`older than ${shown}`);
    expect(compare(parse(process.versions.node), minimum)).toBeGreaterThanOrEqual(0);
  });
});
