/**
 * A private redis-server on a free port and a temp directory, for tests that restart or flush Redis (the
 * shared one at 6379 serves other test runs and must never be restarted or flushed).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from './processes.ts';

export interface OwnRedis {
  readonly url: string;
  /** Stops the server (no final save) and starts it again on the same port, with the data of the last AOF write. */
  restart(downMs?: number): Promise<void>;
  /** FLUSHALL: Redis losing every key while the server stays up. */
  flush(): Promise<void>;
  stop(): Promise<void>;
}

async function pingUntilUp(url: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.ping();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`own redis at ${url} did not start: ${(error as Error).message}`, { cause: error });
      await new Promise((r) => setTimeout(r, 50));
    } finally {
      client.disconnect();
    }
  }
}

export async function startOwnRedis(): Promise<OwnRedis> {
  const dir = await mkdtemp(join(tmpdir(), 'own-redis-'));
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  let server: ChildProcess | null = null;
  let log = '';

  async function start(): Promise<void> {
    // AOF on, as the README asks of production Redis; noeviction so BullMQ keys are never dropped for memory.
    server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'always', '--save', '', '--maxmemory-policy', 'noeviction'], { stdio: ['ignore', 'pipe', 'pipe'] });
    server.stdout?.on('data', (c: Buffer) => { log = (log + c.toString()).slice(-4000); });
    server.stderr?.on('data', (c: Buffer) => { log = (log + c.toString()).slice(-4000); });
    await pingUntilUp(url).catch((error: Error) => {
      throw new Error(`${error.message}\n${log}`, { cause: error });
    });
  }

  async function halt(): Promise<void> {
    const running = server;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGKILL'); // as a crash: whatever the AOF holds is what comes back
    await exited;
    server = null;
  }

  await start();
  return {
    url,
    async restart(downMs = 0) {
      await halt();
      if (downMs > 0) await new Promise((r) => setTimeout(r, downMs));
      await start();
    },
    async flush() {
      const client = new Redis(url, { maxRetriesPerRequest: 1 });
      try {
        await client.flushall();
      } finally {
        client.disconnect();
      }
    },
    async stop() {
      await halt();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
