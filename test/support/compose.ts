/**
 * What Docker Compose hands a service, computed without Docker: the file parsed as YAML (anchors and
 * aliases resolved), every string interpolated the way Compose does (`$$`, `$VAR`, `${VAR}`,
 * `${VAR:-default}`, `${VAR-default}`, `${VAR:?error}`, `${VAR?error}`, `${VAR:+alt}`, `${VAR+alt}`),
 * and the service's environment merged over the image's `ENV` lines.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

export class ComposeInterpolationError extends Error {}

type Vars = Readonly<Record<string, string | undefined>>;

/** Finds the `}` that closes the `${` at `start`, allowing nested `${...}` in defaults. */
function closingBrace(text: string, start: number): number {
  let depth = 0;
  for (let i = start; i < text.length; i++) {
    if (text.startsWith('${', i)) {
      depth += 1;
      i += 1;
    } else if (text[i] === '}') {
      depth -= 1;
      if (depth === 0) return i;
    }
  }
  throw new ComposeInterpolationError(`unclosed \${ in "${text}"`);
}

function expandBraced(inner: string, vars: Vars): string {
  const match = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([\s\S]*))?$/.exec(inner);
  if (!match) throw new ComposeInterpolationError(`invalid interpolation format "\${${inner}}"`);
  const [, name = '', operator, word = ''] = match;
  const value = vars[name];
  const unset = value === undefined;
  const empty = unset || value === '';
  switch (operator) {
    case undefined: return value ?? '';
    case ':-': return empty ? interpolate(word, vars) : (value as string);
    case '-': return unset ? interpolate(word, vars) : (value as string);
    case ':?': if (empty) throw new ComposeInterpolationError(`required variable ${name} is missing a value: ${interpolate(word, vars)}`); return value as string;
    case '?': if (unset) throw new ComposeInterpolationError(`required variable ${name} is missing a value: ${interpolate(word, vars)}`); return value as string;
    case ':+': return empty ? '' : interpolate(word, vars);
    case '+': return unset ? '' : interpolate(word, vars);
    default: throw new ComposeInterpolationError(`invalid interpolation format "\${${inner}}"`);
  }
}

/** Interpolates one string as Compose does. */
export function interpolate(text: string, vars: Vars): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c !== '$') {
      out += c;
      continue;
    }
    const next = text[i + 1];
    if (next === '$') {
      out += '$';
      i += 1;
    } else if (next === '{') {
      const end = closingBrace(text, i);
      out += expandBraced(text.slice(i + 2, end), vars);
      i = end;
    } else {
      const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i + 1))?.[0];
      if (!name) {
        out += '$';
        continue;
      }
      out += vars[name] ?? '';
      i += name.length;
    }
  }
  return out;
}

function interpolateAll(value: unknown, vars: Vars): unknown {
  if (typeof value === 'string') return interpolate(value, vars);
  if (Array.isArray(value)) return value.map((v) => interpolateAll(v, vars));
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolateAll(v, vars)]));
  return value;
}

export interface ComposeService {
  readonly build?: unknown;
  readonly image?: string;
  readonly command?: string | string[];
  readonly environment?: Record<string, unknown> | string[];
  readonly env_file?: string | (string | { path: string; required?: boolean })[];
  readonly depends_on?: Record<string, { condition?: string }> | string[];
  readonly stop_grace_period?: string;
  readonly healthcheck?: Record<string, unknown>;
  readonly restart?: string;
}
export interface ComposeFile {
  readonly services: Record<string, ComposeService>;
}

/** The Compose file as `docker compose config` would see it with these variables (and nothing else) set. */
export function loadCompose(path: string, vars: Vars): ComposeFile {
  return interpolateAll(parse(readFileSync(path, 'utf8'), { merge: true }), vars) as ComposeFile;
}

/** An env file as Compose reads it: `KEY=value` lines, `#` comments, optional quotes. */
export function readEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (!m || line.trimStart().startsWith('#')) continue;
    const raw = m[2] as string;
    out[m[1] as string] = /^(["']).*\1$/.test(raw) ? raw.slice(1, -1) : raw.replace(/\s+#.*$/, '');
  }
  return out;
}

/** The env files a service names, as `{ path, required }`. */
export function envFiles(service: ComposeService): { path: string; required: boolean }[] {
  const files = service.env_file === undefined ? [] : Array.isArray(service.env_file) ? service.env_file : [service.env_file];
  return files.map((f) => (typeof f === 'string' ? { path: f, required: true } : { path: f.path, required: f.required ?? true }));
}

/** A service's `environment:` as the container gets it: values as strings, a bare `KEY` in list form left out. */
export function serviceEnvironment(service: ComposeService): Record<string, string> {
  const env = service.environment ?? {};
  const entries: [string, string][] = Array.isArray(env)
    ? env.filter((line) => line.includes('=')).map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)])
    : Object.entries(env).filter(([, v]) => v !== null && v !== undefined).map(([k, v]) => [k, String(v)]);
  return Object.fromEntries(entries);
}

export interface Dockerfile {
  /** `ENV` of the last stage (what containers start with). */
  readonly env: Record<string, string>;
  /** `CMD` of the last stage, exec form. */
  readonly cmd: string[];
  /** Every `RUN` line, in order (all stages). */
  readonly runs: string[];
  /** Every `COPY` line's arguments, in order (all stages). */
  readonly copies: string[];
  /** The HEALTHCHECK's command, if any. */
  readonly healthcheck: string | null;
  readonly stages: string[];
}

/** The few Dockerfile instructions these checks need (continuation lines joined). */
export function readDockerfile(path: string): Dockerfile {
  const lines = readFileSync(path, 'utf8').replace(/\\\n/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  let env: Record<string, string> = {};
  let cmd: string[] = [];
  let healthcheck: string | null = null;
  const runs: string[] = [];
  const copies: string[] = [];
  const stages: string[] = [];
  for (const line of lines) {
    const [instruction = '', ...rest] = line.split(/\s+/);
    const args = rest.join(' ');
    switch (instruction.toUpperCase()) {
      case 'FROM':
        stages.push(args);
        env = {};
        cmd = [];
        healthcheck = null;
        break;
      case 'ENV':
        for (const m of args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|\S*)/g)) env[m[1] as string] = (m[2] as string).replace(/^"|"$/g, '');
        break;
      case 'CMD':
        cmd = args.startsWith('[') ? (JSON.parse(args) as string[]) : ['/bin/sh', '-c', args];
        break;
      case 'RUN':
        runs.push(args);
        break;
      case 'COPY':
        copies.push(args);
        break;
      case 'HEALTHCHECK':
        healthcheck = /CMD\s+([\s\S]*)$/.exec(args)?.[1] ?? null;
        break;
    }
  }
  return { env, cmd, runs, copies, healthcheck, stages };
}
