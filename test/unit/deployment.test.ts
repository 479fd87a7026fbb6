/**
 * What Docker Compose and the image give the app, checked without Docker: the environment each service
 * gets (Compose interpolation with only the required secrets set) loads, the commands exist, one image
 * serves every service, and the image holds production dependencies only.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadDatabaseEnv, loadEnv } from '../../src/config/env.ts';
import { parseStartScript, startCommand } from '../support/start-command.ts';
import { ComposeInterpolationError, envFiles, interpolate, loadCompose, readDockerfile, readEnvFile, serviceEnvironment, type ComposeService } from '../support/compose.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const composePath = resolve(root, 'docker-compose.yml');
const dockerfile = readDockerfile(resolve(root, 'Dockerfile'));
const packageJson = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };

/** Only what the README asks for: the two Slack secrets. */
const requiredOnly = { SLACK_SIGNING_SECRET: '8f14e45fceea167a5a36dedd4bea2543', SLACK_BOT_TOKEN: 'xoxb-1-2-abc' };

/** The image's ENV, then the service's env files (those that exist), then its `environment:`, as Compose layers them. */
const containerEnv = (service: ComposeService, files: Record<string, Record<string, string>> = {}): Record<string, string> => {
  const fromFiles = envFiles(service).map(({ path, required }) => {
    const content = files[path];
    if (!content && required) throw new Error(`${path} is required`);
    return content ?? {};
  });
  return Object.assign({ ...dockerfile.env }, ...fromFiles, serviceEnvironment(service));
};
/** The README's first step: `cp .env.example .env`, then the two Slack secrets filled in. */
const dotEnvFromExample = (): Record<string, string> => ({ ...readEnvFile(readFileSync(resolve(root, '.env.example'), 'utf8')), ...requiredOnly });
const commandOf = (service: ComposeService): string[] => {
  const command = service.command ?? dockerfile.cmd;
  return typeof command === 'string' ? command.split(/\s+/) : command;
};
const seconds = (duration: string | undefined): number => {
  const m = /^(\d+)(s|m)$/.exec(duration ?? '');
  return m ? Number(m[1]) * (m[2] === 'm' ? 60 : 1) : 10;
};

describe('Compose interpolation (as Docker Compose does it)', () => {
  it('treats :- and :? as "unset or empty", - and ? as "unset", and $$ as a dollar', () => {
    expect(interpolate('${A:-d}', { A: '' })).toBe('d');
    expect(interpolate('${A-d}', { A: '' })).toBe('');
    expect(interpolate('${A-d}', {})).toBe('d');
    expect(interpolate('${A:-}', {})).toBe('');
    expect(interpolate('x$A/$${A}', { A: '1' })).toBe('x1/${A}');
    expect(interpolate('${A:-${B:-z}}', {})).toBe('z');
    expect(() => interpolate('${A:?say A}', { A: '' })).toThrow(/A is missing a value: say A/);
    expect(interpolate('${A?say A}', { A: '' })).toBe('');
  });
});

describe('docker-compose.yml', () => {
  const compose = loadCompose(composePath, requiredOnly);
  const { app, worker, migrate } = compose.services;

  it('refuses to start without the Slack secrets, naming them', () => {
    expect(() => loadCompose(composePath, {})).toThrow(ComposeInterpolationError);
    expect(() => loadCompose(composePath, { SLACK_BOT_TOKEN: 'xoxb-1' })).toThrow(/SLACK_SIGNING_SECRET/);
    // The bot token is not required by Compose (OAuth mode has none), but the app refuses to start without either set.
    const withoutToken = loadCompose(composePath, { SLACK_SIGNING_SECRET: requiredOnly.SLACK_SIGNING_SECRET }).services.app;
    if (!withoutToken) throw new Error('no app service');
    expect(() => loadEnv(containerEnv(withoutToken))).toThrow(/SLACK_BOT_TOKEN/);
  });

  it.each(['app', 'worker'])('gives the %s an environment that loads, with every optional variable unset', (name) => {
    const service = compose.services[name];
    if (!service) throw new Error(`no ${name} service`);
    const env = containerEnv(service);
    // Compose passes the unset optional variables as empty strings; they must read as unset.
    expect(Object.values(env)).toContain('');
    const parsed = loadEnv(env);
    expect(parsed).toMatchObject({ RUN_WORKER: false, PORT: 3000, APPROVAL_ADMINS: [], LOG_LEVEL: 'info' });
    for (const unset of ['SLACK_APP_TOKEN', 'SLACK_API_URL', 'AUDIT_SIGNING_KEY', 'AUDIT_PUBLIC_KEY', 'AUDIT_CHANNEL_ID'] as const) expect(parsed[unset]).toBeUndefined();
    expect(parsed.DATABASE_URL).toMatch(/@postgres:5432\//);
    expect(parsed.REDIS_URL).toBe('redis://redis:6379');
  });

  it.each(['app', 'worker'])('gives the %s an environment that loads after `cp .env.example .env` with the two secrets filled in', (name) => {
    const dotEnv = dotEnvFromExample();
    // Compose interpolates from .env and hands the service its lines through env_file.
    const withDotEnv = loadCompose(composePath, dotEnv);
    const service = withDotEnv.services[name] as ComposeService;
    expect(envFiles(service).map((f) => f.path)).toContain('.env');
    const parsed = loadEnv(containerEnv(service, { '.env': dotEnv }));
    expect(parsed.DATABASE_URL).toMatch(/@postgres:5432\//);
    expect(parsed).toMatchObject({ RUN_WORKER: false, PORT: 3000, SLACK_BOT_TOKEN: requiredOnly.SLACK_BOT_TOKEN, QUEUE_PREFIX: 'approvals' });
  });

  it('passes the optional variables through when they are set', () => {
    const withOptional = loadCompose(composePath, { ...requiredOnly, SLACK_APP_TOKEN: 'xapp-1-A1-2-x', APPROVAL_ADMINS: 'U012ABCDEF', AUDIT_CHANNEL_ID: 'C0AUDIT1', LOG_LEVEL: 'debug' });
    const parsed = loadEnv(containerEnv(withOptional.services.app as ComposeService));
    expect(parsed).toMatchObject({ SLACK_APP_TOKEN: 'xapp-1-A1-2-x', APPROVAL_ADMINS: ['U012ABCDEF'], AUDIT_CHANNEL_ID: 'C0AUDIT1', LOG_LEVEL: 'debug' });
  });

  it('migrates with the database settings alone before the app and the worker start', () => {
    expect(loadDatabaseEnv(containerEnv(migrate as ComposeService)).DATABASE_URL).toMatch(/@postgres:5432\//);
    for (const service of [app, worker]) expect(service?.depends_on).toMatchObject({ migrate: { condition: 'service_completed_successfully' }, redis: { condition: 'service_healthy' } });
    expect(migrate?.restart).toBe('no');
  });

  it('runs commands that exist, the same files the npm scripts run', () => {
    const scriptFor: Record<string, string> = { app: 'start', worker: 'worker', migrate: 'migrate' };
    for (const [name, script] of Object.entries(scriptFor)) {
      const command = commandOf(compose.services[name] as ComposeService);
      expect(command[0], `${name} runs node`).toBe('node');
      const entry = command[command.length - 1] as string;
      expect(existsSync(resolve(root, entry)), `${name}: ${entry} exists`).toBe(true);
      expect(dockerfile.copies.some((c) => c.startsWith(`${entry.split('/')[0]} `)), `${entry} is copied into the image`).toBe(true);
      expect(packageJson.scripts[script], `npm run ${script}`).toContain(entry);
    }
  });

  it('runs the app with the memory settings `npm start` gives it (the V8 heap flags and glibc\'s trim threshold)', () => {
    const npmStart = startCommand('src/main.ts');
    const memoryFlags = npmStart.nodeFlags.filter((flag) => !flag.startsWith('--experimental-strip-types') && !flag.startsWith('--no-warnings'));
    expect(memoryFlags.some((flag) => flag.startsWith('--max-semi-space-size='))).toBe(true);
    const command = commandOf(app as ComposeService);
    expect(command.slice(1, -1)).toEqual(memoryFlags);
    expect(dockerfile.env.MALLOC_TRIM_THRESHOLD_).toBe(npmStart.env.MALLOC_TRIM_THRESHOLD_);
    expect(npmStart.env.MALLOC_TRIM_THRESHOLD_).toBeTruthy();
    // The compile cache lives where each can write: beside node_modules for npm, in /tmp for the image's user.
    expect(dockerfile.env.NODE_COMPILE_CACHE).toMatch(/^\/tmp\//);
    expect(npmStart.env.NODE_COMPILE_CACHE).toBeTruthy();
  });

  it('reads an npm script\'s environment and node flags, leaving out the .env file flag', () => {
    expect(parseStartScript('A=1 node --x=2 --env-file-if-exists=.env src/main.ts', 'src/main.ts')).toEqual({ env: { A: '1' }, nodeFlags: ['--x=2'] });
    expect(parseStartScript('node bench/x.ts', 'src/main.ts')).toBeNull();
  });

  it('builds one image for the app, the worker and the migrations', () => {
    const images = [app, worker, migrate].map((s) => JSON.stringify([s?.image, s?.build]));
    expect(new Set(images).size).toBe(1);
    expect(app?.image).toBeTruthy();
  });

  it('gives the app and the worker at least 35 s to stop (the process itself gives up after 30 s)', () => {
    for (const service of [app, worker]) expect(seconds(service?.stop_grace_period)).toBeGreaterThanOrEqual(35);
  });
});

describe('the production image', () => {
  it('installs production dependencies only, in a stage of its own (no npm cache in the final image)', () => {
    const install = dockerfile.runs.find((r) => r.startsWith('npm ci'));
    expect(install).toContain('--omit=dev');
    expect(install).toContain('--omit=optional');
    expect(dockerfile.stages.length).toBeGreaterThanOrEqual(2);
    // The final stage copies node_modules from the install stage and runs no npm itself.
    expect(dockerfile.copies.some((c) => /^--from=\S+ \S*node_modules/.test(c))).toBe(true);
  });

  interface LockEntry { dev?: boolean; optional?: boolean; devOptional?: boolean; peer?: boolean }
  const lock = JSON.parse(readFileSync(resolve(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
  /** What `npm ci --omit=dev --omit=optional` installs: package names by their node_modules path. */
  const installed = new Set(Object.entries(lock.packages)
    .filter(([path, entry]) => path !== '' && !entry.dev && !entry.optional && !entry.devOptional)
    .map(([path]) => path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length)));

  it('leaves out TypeScript, the test runner and the linters', () => {
    for (const tool of ['typescript', 'vitest', 'eslint', 'typescript-eslint', '@apidevtools/swagger-parser', 'ajv-formats']) expect(installed.has(tool), tool).toBe(false);
  });

  it('still holds every package the code the image runs imports', () => {
    const sources = listSources(['src', 'blocks', 'migrations']);
    const missing = new Set<string>();
    for (const file of sources) {
      for (const m of readFileSync(file, 'utf8').matchAll(/^\s*(?:import|export)\s(?!type\b)[^'"]*?from\s+'([^'.][^']*)'/gm)) {
        const specifier = m[1] as string;
        if (specifier.startsWith('node:')) continue;
        const name = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : (specifier.split('/')[0] as string);
        if (!installed.has(name)) missing.add(`${name} (${file.slice(root.length)})`);
      }
    }
    expect([...missing]).toEqual([]);
  });
});

function listSources(dirs: string[]): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = resolve(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith('.ts')) out.push(path);
    }
  };
  for (const dir of dirs) walk(resolve(root, dir));
  return out;
}
