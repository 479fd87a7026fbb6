/**
 * How users start an entry point: the environment variables and node flags of the package.json script that
 * runs it (`npm start` for src/main.ts, `npm run worker` for src/worker.ts). The end-to-end tests and the
 * bench start our processes with these, so they test and measure what users run. `--env-file-if-exists` is
 * left out: the caller hands the child its environment itself.
 */
import { readFileSync } from 'node:fs';

export interface StartCommand {
  /** `NAME=value` words before `node` in the script. */
  readonly env: Readonly<Record<string, string>>;
  /** The flags between `node` and the entry point. */
  readonly nodeFlags: readonly string[];
}

const scripts = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> }).scripts;

/** Reads one script's command (`A=1 node --flag src/main.ts`) into its environment and node flags. */
export function parseStartScript(command: string, entry: string): StartCommand | null {
  const words = command.trim().split(/\s+/);
  const node = words.indexOf('node');
  const at = words.indexOf(entry);
  if (node < 0 || at < node) return null;
  const env: Record<string, string> = {};
  for (const word of words.slice(0, node)) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(word);
    if (!m) return null;
    env[m[1] as string] = m[2] as string;
  }
  const nodeFlags = words.slice(node + 1, at).filter((flag) => !flag.startsWith('--env-file'));
  return { env, nodeFlags };
}

/** The start command of the npm script that runs `entry` (a path from the repository root, e.g. `src/main.ts`). */
export function startCommand(entry: string): StartCommand {
  for (const command of Object.values(scripts)) {
    const parsed = parseStartScript(command, entry);
    if (parsed) return parsed;
  }
  throw new Error(`no npm script runs ${entry}`);
}
