import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LogLevel, WebAPIPlatformError, WebClient, type Logger } from '@slack/web-api';
import { startFakeSlack, type FakeSlack } from '../support/fake-slack.ts';

const silent: Logger = {
  debug: () => {}, info: () => {}, warn: () => {}, error: () => {},
  setLevel: () => {}, getLevel: () => LogLevel.ERROR, setName: () => {},
};

let fake: FakeSlack;
const client = () => new WebClient('xoxb-test-token', { slackApiUrl: fake.url, logger: silent, retryConfig: { retries: 0 }, timeout: 2000 });
const errorOf = async (call: Promise<unknown>): Promise<unknown> => call.then(() => undefined, (e: unknown) => e);
const platformError = async (call: Promise<unknown>): Promise<string> => {
  const err = await errorOf(call);
  if (!(err instanceof WebAPIPlatformError)) throw new Error(`expected a Slack platform error, got ${String(err)}`);
  return String(err.data.error);
};

beforeAll(async () => { fake = await startFakeSlack(); });
afterAll(() => fake.close());
beforeEach(() => {
  fake.reset({ directory: true });
  fake.addUser({ id: 'U0ALICE', name: 'alice' });
});

const metadata = { event_type: 'approval_message', event_payload: { key: 'reviewer/1', team: 'T1' } };

describe('fake Slack: message metadata', () => {
  it('keeps the metadata a post carries and shows it in history and replies only with include_all_metadata', async () => {
    const web = client();
    const card = await web.chat.postMessage({ channel: 'U0ALICE', text: 'card', metadata });
    const reply = await web.chat.postMessage({ channel: String(card.channel), thread_ts: String(card.ts), text: 'reminder', metadata: { ...metadata, event_payload: { key: 'reminder/1', team: 'T1' } } });
    await web.chat.postMessage({ channel: 'U0ALICE', text: 'without' });
    const dm = fake.dmChannelFor('U0ALICE');

    const plain = await web.conversations.history({ channel: dm });
    expect(plain.messages?.map((m) => m.metadata)).toEqual([undefined, undefined]);
    const withMeta = await web.conversations.history({ channel: dm, include_all_metadata: true });
    expect(withMeta.messages?.map((m) => [m.text, m.metadata])).toEqual([['without', undefined], ['card', metadata]]);

    const thread = await web.conversations.replies({ channel: dm, ts: String(card.ts), include_all_metadata: true });
    expect(thread.messages?.map((m) => [m.ts, m.metadata?.event_payload])).toEqual([[card.ts, metadata.event_payload], [reply.ts, { key: 'reminder/1', team: 'T1' }]]);
    expect((await web.conversations.replies({ channel: dm, ts: String(card.ts) })).messages?.every((m) => m.metadata === undefined)).toBe(true);
  });

  it('refuses metadata Slack would refuse, and history of a DM without im:history', async () => {
    const web = client();
    const dm = fake.dmChannelFor('U0ALICE');
    expect(await platformError(web.apiCall('chat.postMessage', { channel: 'U0ALICE', text: 'x', metadata: 'not json' }))).toBe('invalid_metadata_format');
    expect(await platformError(web.apiCall('chat.postMessage', { channel: 'U0ALICE', text: 'x', metadata: { event_type: 'a' } }))).toBe('invalid_metadata_schema');
    expect(await platformError(web.conversations.replies({ channel: dm, ts: '1.000001' }))).toBe('thread_not_found');
    const narrow = await startFakeSlack({ scopes: ['chat:write', 'im:write'] });
    try {
      narrow.addUser({ id: 'U0ALICE', name: 'alice' });
      const other = new WebClient('xoxb-test-token', { slackApiUrl: narrow.url, logger: silent, retryConfig: { retries: 0 } });
      expect(await platformError(other.conversations.history({ channel: narrow.dmChannelFor('U0ALICE') }))).toBe('missing_scope');
    } finally {
      await narrow.close();
    }
  });
});

describe('fake Slack: calls carried out, then answered otherwise', () => {
  it('posts and then answers 500, drops the connection, or holds the answer', async () => {
    const web = client();
    fake.acceptThenServerErrorNext('chat.postMessage', 503);
    expect(await errorOf(web.chat.postMessage({ channel: 'U0ALICE', text: 'one' }))).toMatchObject({ code: 'slack_webapi_http_error', statusCode: 503 });
    fake.acceptThenDropNext('chat.postMessage');
    expect(await errorOf(web.chat.postMessage({ channel: 'U0ALICE', text: 'two' }))).toMatchObject({ code: 'slack_webapi_request_error' });
    const hold = fake.holdNext('chat.postMessage');
    const late = web.chat.postMessage({ channel: 'U0ALICE', text: 'three' });
    await hold.held;
    expect(fake.visibleMessages().map((m) => m.text)).toEqual(['one', 'two', 'three']);
    hold.release();
    expect((await late).ok).toBe(true);
    const answered = fake.callsTo('chat.postMessage').map((c) => [c.status, c.carriedOut?.ok]);
    expect(answered).toEqual([[503, true], [0, true], [200, true]]);
  });
});
