import { fork } from 'node:child_process';
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
  const url = await new Promise<string>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`fake Slack exited with ${code}`)));
    child.on('message', (message: { url?: string; approved?: string; posted?: Posted[]; error?: string }) => {
      if (message.url) resolve(message.url);
      if (message.approved) waiting.get(message.approved)?.();
      if (message.posted || message.error) onPosted?.(message);
    });
    child.send({ users });
  });
  return {
    url,
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
