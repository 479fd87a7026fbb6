import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LogLevel, WebAPIPlatformError, WebClient, type Logger } from '@slack/web-api';
import { startFakeSlack, type FakeSlack } from '../support/fake-slack.ts';

const silent: Logger = {
  debug: () => {}, info: () => {}, warn: () => {}, error: () => {},
  setLevel: () => {}, getLevel: () => LogLevel.ERROR, setName: () => {},
};

let fake: FakeSlack;
const client = (url = fake.url) => new WebClient('xoxb-test-token', { slackApiUrl: url, logger: silent, retryConfig: { retries: 0 } });

async function slackError(call: Promise<unknown>): Promise<string> {
  const err = await call.then(() => undefined, (e: unknown) => e);
  if (!(err instanceof WebAPIPlatformError)) throw new Error(`expected a Slack platform error, got ${String(err)}`);
  return String(err.data.error);
}

beforeAll(async () => {
  // Rate limits off: these cases post several messages to one channel within a second (the limits have their own tests).
  fake = await startFakeSlack({ rateLimits: false });
  // The witness channel the bot was invited to (it posts there); the fake refuses channels it does not know.
  fake.addChannel('C0WITNESS', { name: 'audit-witness' });
});
afterAll(() => fake.close());
beforeEach(() => fake.reset());

describe('fake Slack: conversations.history', () => {
  it('pages a channel newest first through response_metadata.next_cursor, without thread replies', async () => {
    const web = client();
    const posted: string[] = [];
    for (let i = 0; i < 7; i++) posted.push(String((await web.chat.postMessage({ channel: 'C0WITNESS', text: `m${i}` })).ts));
    await web.chat.postMessage({ channel: 'C0WITNESS', text: 'a reply', thread_ts: posted[0] as string });
    fake.postAsUser('C0WITNESS', 'U0HUMAN', 'said by a person');

    const first = await web.conversations.history({ channel: 'C0WITNESS', limit: 3 });
    expect(first.messages?.map((m) => m.text)).toEqual(['said by a person', 'm6', 'm5']);
    expect(first.has_more).toBe(true);
    expect(first.messages?.[0]).toMatchObject({ user: 'U0HUMAN' });
    expect(first.messages?.[0]?.bot_id).toBeUndefined();
    expect(first.messages?.[1]).toMatchObject({ bot_id: fake.botId, user: fake.botUserId, ts: posted[6] });

    const seen = [...(first.messages ?? [])];
    let cursor = first.response_metadata?.next_cursor;
    while (cursor) {
      const page = await web.conversations.history({ channel: 'C0WITNESS', limit: 3, cursor });
      seen.push(...(page.messages ?? []));
      cursor = page.has_more ? page.response_metadata?.next_cursor : undefined;
      if (!page.has_more) expect(page.response_metadata?.next_cursor ?? '').toBe('');
    }
    expect(seen.map((m) => m.text)).toEqual(['said by a person', 'm6', 'm5', 'm4', 'm3', 'm2', 'm1', 'm0']);
  });

  it('filters by oldest and latest (exclusive unless inclusive)', async () => {
    const web = client();
    const ts: string[] = [];
    for (let i = 0; i < 4; i++) ts.push(String((await web.chat.postMessage({ channel: 'C0WITNESS', text: `m${i}` })).ts));
    const between = await web.conversations.history({ channel: 'C0WITNESS', oldest: ts[0], latest: ts[3] });
    expect(between.messages?.map((m) => m.text)).toEqual(['m2', 'm1']);
    const inclusive = await web.conversations.history({ channel: 'C0WITNESS', oldest: ts[0], latest: ts[3], inclusive: true });
    expect(inclusive.messages?.map((m) => m.text)).toEqual(['m3', 'm2', 'm1', 'm0']);
  });

  it('answers channel_not_found, not_in_channel, invalid_cursor and missing_scope as Slack does', async () => {
    const web = client();
    expect(await slackError(web.conversations.history({ channel: 'C0NOWHERE' }))).toBe('channel_not_found');
    fake.addChannel('C0OUTSIDE', { botIsMember: false });
    expect(await slackError(web.conversations.history({ channel: 'C0OUTSIDE' }))).toBe('not_in_channel');
    await web.chat.postMessage({ channel: 'C0WITNESS', text: 'x' });
    expect(await slackError(web.conversations.history({ channel: 'C0WITNESS', cursor: 'bm9wZQ==' }))).toBe('invalid_cursor');

    const narrow = await startFakeSlack({ scopes: ['chat:write'] });
    narrow.addChannel('C0WITNESS', { name: 'audit-witness' });
    try {
      await client(narrow.url).chat.postMessage({ channel: 'C0WITNESS', text: 'x' });
      const err = await client(narrow.url).conversations.history({ channel: 'C0WITNESS' }).then(() => undefined, (e: unknown) => e);
      expect((err as WebAPIPlatformError).data).toMatchObject({ error: 'missing_scope', needed: 'channels:history' });
    } finally {
      await narrow.close();
    }
  });
});
