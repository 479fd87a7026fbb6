/**
 * The local fake of Slack's Web API in its own process, so answering the app's calls does not share an event
 * loop with the load generator. Started by bench/decision-path.ts over IPC:
 *   parent → { users: string[] }            people to know (reviewers, requesters, admin)
 *   child  → { url: string }                ready; the app's SLACK_API_URL
 *   parent → { post: { channel, text }[] }  post these messages (reviewer cards the bench seeds)
 *   child  → { posted: { channel, ts }[] }  where they are, in the same order
 *   child  → { approved: string }           a card (`channel/ts`) was redrawn showing the clicker's approval
 *   parent → { stats: true }                 how many clicks were answered out loud, and duplicate posts
 *   child  → { stats: FakeSlackStats }
 * Clicks carry a response_url on this process (`respondUrl`), so a refusal sent there is seen as well as an ephemeral.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RecordedCall } from '../test/support/fake-slack.ts';
import { startFakeSlack } from '../test/support/fake-slack.ts';

interface Setup {
  readonly users: readonly string[];
}
/** What the fake saw of the app's answers to clicks, and of the worker's posts. */
export interface FakeSlackStats {
  /** Ephemerals (chat.postEphemeral) and response_url posts: clicks answered with a message of their own. */
  readonly answered: number;
  /** Those saying that nothing was recorded (the click was refused, not decided). */
  readonly notRecorded: number;
  /** Messages of ours (by their metadata key) visible more than once in one conversation. */
  readonly duplicates: number;
  readonly posts: number;
}

interface PostRequest {
  readonly post: readonly { channel: string; text: string }[];
}

const send = (message: unknown): void => {
  process.send?.(message);
};

const setup = await new Promise<Setup>((resolve) => process.once('message', (m) => resolve(m as Setup)));
// Slack's own rate limits are off: one workspace clicking hundreds of times a second is the load being measured,
// and the worker's pace per workspace (SLACK_PER_SECOND) is not what this bench is about.
const slack = await startFakeSlack({ teamId: 'T0BENCH', rateLimits: false });
for (const id of setup.users) slack.addUser({ id, name: id.toLowerCase(), tz: 'Europe/Berlin' });

// The fake keeps every call for tests to inspect; over a benchmark that would grow without bound.
const recorded = slack.calls as RecordedCall[];
setInterval(() => recorded.splice(0, recorded.length), 1000).unref();

let answered = 0;
let notRecorded = 0;
let posts = 0;
/** Live messages by `channel key`: a second one for the same key is a duplicate until it is deleted. */
const byKey = new Map<string, Set<string>>();
const keyOf = new Map<string, string>();
const NOT_RECORDED = /not recorded/i;
const sawAnswer = (content: unknown): void => {
  answered++;
  if (NOT_RECORDED.test(JSON.stringify(content ?? ''))) notRecorded++;
};

// waitFor with a predicate that never matches is the fake's hook for "every answered call".
const watchForever = (): void => {
  slack.waitFor((call) => {
    if (call.response?.ok !== true) return false;
    if (call.method === 'chat.update' && JSON.stringify(call.args.blocks ?? '').includes('You approved')) {
      send({ approved: `${String(call.args.channel)}/${String(call.args.ts)}` });
    } else if (call.method === 'chat.postEphemeral') {
      sawAnswer([call.args.text, call.args.blocks]);
    } else if (call.method === 'chat.postMessage') {
      posts++;
      const metadata = call.args.metadata as { event_payload?: { key?: unknown } } | undefined;
      const key = metadata?.event_payload?.key;
      const channel = String(call.response.channel);
      const ts = String(call.response.ts);
      if (typeof key === 'string') {
        const id = `${channel} ${key}`;
        byKey.set(id, (byKey.get(id) ?? new Set()).add(ts));
        keyOf.set(`${channel}/${ts}`, id);
      }
    } else if (call.method === 'chat.delete') {
      const where = `${String(call.args.channel)}/${String(call.args.ts)}`;
      const id = keyOf.get(where);
      if (id) byKey.get(id)?.delete(String(call.args.ts));
    }
    return false;
  }, 2 ** 31 - 1).catch(watchForever);
};
watchForever();

// Where clicks' response_url points: respond() calls land here.
const respondServer = createServer((req, res) => {
  let body = '';
  req.on('data', (chunk: Buffer) => {
    body += chunk.toString();
  });
  req.on('end', () => {
    sawAnswer(body);
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  });
});
await new Promise<void>((resolve) => respondServer.listen(0, '127.0.0.1', resolve));
respondServer.unref();
const respondUrl = `http://127.0.0.1:${(respondServer.address() as AddressInfo).port}/respond`;

const stats = (): FakeSlackStats => ({ answered, notRecorded, posts, duplicates: [...byKey.values()].filter((live) => live.size > 1).length });

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
process.on('message', (message: PostRequest | { stats: true }) => {
  if ('stats' in message) {
    send({ stats: stats() });
    return;
  }
  if (!('post' in message)) return;
  postAll(message.post).then((posted) => send({ posted }), (error: unknown) => send({ error: String(error) }));
});

send({ url: slack.url, respondUrl });
process.on('disconnect', () => process.exit(0));
