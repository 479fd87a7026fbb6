/**
 * The local fake of Slack's Web API in its own process, so answering the app's calls does not share an event
 * loop with the load generator. Started by bench/decision-path.ts over IPC:
 *   parent → { users: string[] }            people to know (reviewers, requesters, admin)
 *   child  → { url: string }                ready; the app's SLACK_API_URL
 *   parent → { post: { channel, text }[] }  post these messages (reviewer cards the bench seeds)
 *   child  → { posted: { channel, ts }[] }  where they are, in the same order
 *   child  → { approved: string }           a card (`channel/ts`) was redrawn showing the clicker's approval
 */
import type { RecordedCall } from '../test/support/fake-slack.ts';
import { startFakeSlack } from '../test/support/fake-slack.ts';

interface Setup {
  readonly users: readonly string[];
}
interface PostRequest {
  readonly post: readonly { channel: string; text: string }[];
}

const send = (message: unknown): void => {
  process.send?.(message);
};

const setup = await new Promise<Setup>((resolve) => process.once('message', (m) => resolve(m as Setup)));
const slack = await startFakeSlack({ teamId: 'T0BENCH', rateLimits: false });
for (const id of setup.users) slack.addUser({ id, name: id.toLowerCase(), tz: 'Europe/Berlin' });

// The fake keeps every call for tests to inspect; over a benchmark that would grow without bound.
const recorded = slack.calls as RecordedCall[];
setInterval(() => recorded.splice(0, recorded.length), 1000).unref();

// waitFor with a predicate that never matches is the fake's hook for "every answered call".
const watchForever = (): void => {
  slack.waitFor((call) => {
    if (call.method === 'chat.update' && call.response?.ok === true && JSON.stringify(call.args.blocks ?? '').includes('You approved')) {
      send({ approved: `${String(call.args.channel)}/${String(call.args.ts)}` });
    }
    return false;
  }, 2 ** 31 - 1).catch(watchForever);
};
watchForever();

/** Posts through the fake's own HTTP API, as the worker would, so the messages exist to be updated. */
async function postAll(messages: PostRequest['post']): Promise<{ channel: string; ts: string }[]> {
  const posted: { channel: string; ts: string }[] = [];
  for (let start = 0; start < messages.length; start += 100) {
    posted.push(...await Promise.all(messages.slice(start, start + 100).map(async (m) => {
      const res = await fetch(`${slack.url}chat.postMessage`, {
        method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8', authorization: 'Bearer xoxb-bench' }, body: JSON.stringify(m),
      });
      const body = (await res.json()) as { ok: boolean; channel?: string; ts?: string; error?: string };
      if (!body.ok || !body.channel || !body.ts) throw new Error(`fake Slack refused a seeded card: ${body.error ?? 'no ts'}`);
      return { channel: body.channel, ts: body.ts };
    })));
  }
  return posted;
}
process.on('message', (message: PostRequest) => {
  if (!('post' in message)) return;
  postAll(message.post).then((posted) => send({ posted }), (error: unknown) => send({ error: String(error) }));
});

send({ url: slack.url });
process.on('disconnect', () => process.exit(0));
