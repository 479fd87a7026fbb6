/**
 * The README's quick start and references hold: the steps it gives exist (files, npm scripts, manifest,
 * examples), and the repository has the licence, security policy and changelog it points to.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const read = (name: string) => readFileSync(resolve(root, name), 'utf8');
const readme = read('README.md');
const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string>; license?: string; engines: { node: string } };
const quickStart = readme.slice(readme.indexOf('## Quick start'), readme.indexOf('## Commands'));

describe('README quick start', () => {
  it('goes manifest (Socket Mode), tokens in .env, docker compose up, first admin, an example, in that order', () => {
    const steps = ['manifest.socket-mode.yml', 'SLACK_APP_TOKEN', 'cp .env.example .env', 'APPROVAL_ADMINS', 'docker compose up --build', '/approval admin', 'examples/purchase-order.yml'];
    const positions = steps.map((step) => quickStart.indexOf(step));
    for (const [i, step] of steps.entries()) expect(positions[i], step).toBeGreaterThan(-1);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
  });

  it('states the prerequisites, with the Node version engines names', () => {
    expect(quickStart).toContain('Docker');
    expect(quickStart).toContain(`Node.js ${pkg.engines.node.replace('>=', '')} or newer`);
    expect(quickStart).toMatch(/PostgreSQL/);
    expect(quickStart).toMatch(/Redis/);
  });

  it('says to invite the bot to the audit channel, and uses manifest.yml for production', () => {
    expect(readme).toMatch(/invite the\s+bot to that channel/);
    expect(quickStart).toContain('manifest.yml');
  });

  it('points at examples/, not at a test fixture', () => {
    expect(readme).not.toContain('test/fixtures');
    expect(readme).toContain('](examples/)');
    expect(readdirSync(resolve(root, 'examples')).filter((f) => f.endsWith('.yml'))).toHaveLength(4);
  });
});

describe('README references', () => {
  it('names only npm scripts that exist', () => {
    const named = [...readme.matchAll(/npm run ([a-z][a-z:-]*)/g)].map((m) => m[1] as string);
    expect(named.length).toBeGreaterThan(5);
    for (const name of named) expect(pkg.scripts, `npm run ${name}`).toHaveProperty([name]);
  });

  it('links only files that exist', () => {
    const linked = [...readme.matchAll(/\]\(([^)#:]+)\)/g)].map((m) => m[1] as string);
    expect(linked.length).toBeGreaterThan(5);
    for (const path of linked) expect(existsSync(resolve(root, path)), path).toBe(true);
  });

  it('the repository has a licence (also in package.json), a security policy and a changelog', () => {
    expect(read('LICENSE')).toMatch(/^MIT License/);
    expect(pkg.license).toBe('MIT');
    expect(read('SECURITY.md')).toMatch(/Reporting a vulnerability/);
    expect(read('SECURITY.md')).toContain('docs/audit-format.md');
    expect(read('CHANGELOG.md')).toMatch(/## \[Unreleased\]/);
  });
});
