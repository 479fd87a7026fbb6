/**
 * Runs an npm script's command the way `npm run <name>` does (the script's own node flags), with the
 * working directory the test chooses: npm runs scripts in the package root, where `.env` is looked for.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const scripts = (JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { scripts: Record<string, string> }).scripts;

export interface ScriptResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The script's `node <flags> <entry>` with the entry made absolute, so it runs from any directory. */
export function scriptCommand(name: string): string[] {
  const script = scripts[name];
  if (!script) throw new Error(`package.json has no script ${name}`);
  const [node, ...args] = script.split(/\s+/);
  if (node !== 'node') throw new Error(`script ${name} does not run node`);
  return args.map((arg) => (arg.startsWith('src/') ? `${root}${arg}` : arg));
}

/** Node's own notice when `--env-file-if-exists` finds no file; the rest of stderr is the command's. */
const NO_ENV_FILE_NOTICE = /^\S*\.env not found\. Continuing without it\.\n?/;

export function runScript(name: string, args: readonly string[] = [], options: { cwd?: string; env?: Record<string, string | undefined> } = {}): Promise<ScriptResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [...scriptCommand(name), ...args], { cwd: options.cwd ?? root, env: options.env ?? process.env, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr: stderr.replace(NO_ENV_FILE_NOTICE, '') });
    });
  });
}

/** The operator commands: every script that runs one of src/cli/*. */
export const CLI_SCRIPTS = Object.entries(scripts).filter(([, command]) => / src\/cli\//.test(command)).map(([name]) => name);
