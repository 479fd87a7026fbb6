/**
 * The app (`src/main.ts`) and the worker (`src/worker.ts`) as real child processes, started the way
 * `npm start` / `npm run worker` start them, with their output kept for failure messages.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { startCommand } from './start-command.ts';

const entry = (path: string): string => fileURLToPath(new URL(`../../${path}`, import.meta.url));

/** A port nobody listens on right now (the OS picks it; we release it for the child to take). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface ManagedProcess {
  readonly name: string;
  readonly child: ChildProcess;
  /** Everything the process wrote to stdout and stderr so far (the tail, for failure messages). */
  output(): string;
  /** Resolves once `text` appears in the output after `fromOffset`; rejects if the process exits first. */
  waitForOutput(text: string, timeoutMs?: number, fromOffset?: number): Promise<void>;
  readonly exited: Promise<number | null>;
  /** SIGKILL: no shutdown hooks, as when a machine dies. */
  kill(): Promise<void>;
  /** SIGTERM and wait; SIGKILL if it is still there after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

const OUTPUT_LIMIT = 200_000;

export function spawnNode(name: string, script: string, env: Readonly<Record<string, string>>): ManagedProcess {
  // The node flags and environment of the npm script that runs `script` (`npm start`, `npm run worker`).
  const start = startCommand(script);
  const child = spawn(process.execPath, [...start.nodeFlags, entry(script)], { env: { ...process.env, ...start.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const listeners = new Set<() => void>();
  const append = (chunk: Buffer) => {
    output += chunk.toString('utf8');
    if (output.length > OUTPUT_LIMIT) output = output.slice(-OUTPUT_LIMIT / 2);
    for (const listener of listeners) listener();
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code, signal) => resolve(code ?? (signal ? -1 : null))));
  const tail = () => output.slice(-4000);

  const managed: ManagedProcess = {
    name, child, exited,
    output: () => output,
    waitForOutput(text, timeoutMs = 20_000, fromOffset = 0) {
      return new Promise<void>((resolve, reject) => {
        const check = () => {
          if (output.indexOf(text, fromOffset) === -1) return;
          done();
          resolve();
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`${name}: "${text}" not seen within ${timeoutMs} ms; output:\n${tail()}`));
        }, timeoutMs);
        const onExit = () => {
          done();
          reject(new Error(`${name} exited before printing "${text}"; output:\n${tail()}`));
        };
        const done = () => {
          clearTimeout(timer);
          listeners.delete(check);
          child.off('exit', onExit);
        };
        listeners.add(check);
        child.once('exit', onExit);
        check();
      });
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
    async stop(graceMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
  return managed;
}

/** Polls GET /healthz until it answers 200. */
export async function waitForHealthy(baseUrl: string, process: ManagedProcess, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (process.child.exitCode !== null) throw new Error(`${process.name} exited (${process.child.exitCode}); output:\n${process.output().slice(-4000)}`);
    try {
      const res = await fetch(new URL('/healthz', baseUrl), { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${process.name} not healthy within ${timeoutMs} ms; output:\n${process.output().slice(-4000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface AppProcess extends ManagedProcess {
  /** http://127.0.0.1:<port> */
  readonly baseUrl: string;
}

/**
 * `npm start` with the worker off unless `env` says RUN_WORKER=true, on a free port; resolves once /healthz answers 200.
 * SIGTERM stops it without the readiness window (SHUTDOWN_DRAIN_SECONDS=0) unless `env` asks for one.
 */
export async function startAppProcess(env: Readonly<Record<string, string>>): Promise<AppProcess> {
  const port = await freePort();
  const app = spawnNode('app', 'src/main.ts', { SHUTDOWN_DRAIN_SECONDS: '0', RUN_WORKER: 'false', ...env, PORT: String(port) });
  const baseUrl = `http://127.0.0.1:${port}`;
  try {
    await waitForHealthy(baseUrl, app);
  } catch (error) {
    await app.kill();
    throw error;
  }
  return Object.assign(app, { baseUrl });
}

/**
 * `npm run worker` with its health port on a free port; resolves once it says it is running (LOG_LEVEL must
 * be info or lower for that line to be printed).
 */
export async function startWorkerProcess(env: Readonly<Record<string, string>>): Promise<AppProcess> {
  const port = await freePort();
  const worker = spawnNode('worker', 'src/worker.ts', { ...env, PORT: String(port) });
  try {
    await worker.waitForOutput('Worker running', 30_000);
  } catch (error) {
    await worker.kill();
    throw error;
  }
  return Object.assign(worker, { baseUrl: `http://127.0.0.1:${port}` });
}

/** Where a worker started by startWorkerProcess serves /healthz, /readyz and /metrics (it says so when ready). */
export function workerBaseUrl(worker: ManagedProcess): string {
  const port = /health and metrics on :(\d+)/.exec(worker.output())?.[1];
  if (!port) throw new Error(`${worker.name} did not say where it serves health and metrics; output:\n${worker.output().slice(-2000)}`);
  return `http://127.0.0.1:${port}`;
}
