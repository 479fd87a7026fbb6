import { fork } from 'node:child_process';
import type { FakeSlackStats } from './fake-slack-process.ts';
import { NODE_FLAGS } from './processes.ts';

/** Where the fake Slack put a message it was asked to post. */
export interface Posted {
  readonly channel: string;
  readonly ts: string;
}
export type FakeSlackProcess = Awaited<ReturnType<typeof startFakeSlackProcess>>;

/** The fake Slack in its own process; `approved` resolves when a card is redrawn showing the approval. */
export async function startFakeSlackProcess(users: readonly string[]) {
  const child = fork(new URL('./fake-slack-process.ts', import.meta.url).pathname, [], { execArgv: NODE_FLAGS, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const waiting = new Map<string, () => void>();
  let onPosted: ((message: { posted?: Posted[]; error?: string }) => void) | null = null;
  let onStats: ((stats: FakeSlackStats) => void) | null = null;
  const { url, respondUrl } = await new Promise<{ url: string; respondUrl: string }>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`fake Slack exited with ${code}`)));
    child.on('message', (message: { url?: string; respondUrl?: string; approved?: string; posted?: Posted[]; error?: string; stats?: FakeSlackStats }) => {
      if (message.url && message.respondUrl) resolve({ url: message.url, respondUrl: message.respondUrl });
      if (message.approved) waiting.get(message.approved)?.();
      if (message.posted || message.error) onPosted?.(message);
      if (message.stats) onStats?.(message.stats);
    });
    child.send({ users });
  });
  return {
    url,
    /** The response_url to put in clicks: what the app sends there is counted in `stats`. */
    respondUrl,
    stats(): Promise<FakeSlackStats> {
      return new Promise((resolve) => {
        onStats = resolve;
        child.send({ stats: true });
      });
    },
    post(messages: readonly { channel: string; text: string }[]): Promise<Posted[]> {
      return new Promise((resolve, reject) => {
        onPosted = (answer) => (answer.posted ? resolve(answer.posted) : reject(new Error(answer.error)));
        child.send({ post: messages });
      });
    },
    approved(cardKey: string, timeoutMs: number): Promise<void> {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting.delete(cardKey);
          reject(new Error(`card ${cardKey} not redrawn within ${timeoutMs} ms`));
        }, timeoutMs);
        waiting.set(cardKey, () => {
          clearTimeout(timer);
          waiting.delete(cardKey);
          resolve();
        });
      });
    },
    async stop(): Promise<void> {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
