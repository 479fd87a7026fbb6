import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LogLevel, WebAPIHTTPError, WebAPIPlatformError, WebClient, WebClientEvent, type Logger, type WebClientOptions } from '@slack/web-api';
import { RATE_LIMITS, startFakeSlack, type FakeSlack } from '../support/fake-slack.ts';
import { formatProblem, validateBlocks, validateView } from '../support/block-kit-validator.ts';

const TOKEN = 'xoxb-test-token';
const silent: Logger = {
  debug: () => {}, info: () => {}, warn: () => {}, error: () => {},
  setLevel: () => {}, getLevel: () => LogLevel.ERROR, setName: () => {},
};

let fake: FakeSlack;
const client = (options: WebClientOptions = {}, token: string | null = TOKEN): WebClient =>
  new WebClient(token ?? undefined, { slackApiUrl: fake.url, logger: silent, retryConfig: { retries: 0 }, ...options });

/** The body Slack answered with when the WebClient rejected the call. */
async function slackError(call: Promise<unknown>): Promise<WebAPIPlatformError['data'] & { errors?: string[] }> {
  const err = await call.then(() => undefined, (e: unknown) => e);
  if (!(err instanceof WebAPIPlatformError)) throw new Error(`expected a Slack platform error, got ${String(err)}`);
  return err.data;
}

const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text } });
const modal = (extra: Record<string, unknown> = {}) => ({
  type: 'modal' as const, title: { type: 'plain_text' as const, text: 'New request' }, blocks: [section('hi')], ...extra,
});

beforeAll(async () => {
  // Rate limits off for this shared fake: these cases check answers, dozens of calls in a few milliseconds (the limits have their own cases below).
  fake = await startFakeSlack({ rateLimits: false });
  fake.addChannel('C0GENERAL', { name: 'general' });
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => {
  fake.reset();
  fake.addUser({ id: 'U1ALICE', name: 'alice', realName: 'Alice Doe', tz: 'Europe/Berlin', tzOffset: 3600 });
  fake.addUser({ id: 'U2BOB', name: 'bob', realName: 'Bob Roe', tz: 'America/New_York', tzOffset: -18000, deleted: true });
});

describe('fake Slack: messages', () => {
  it('posts to a user as a DM and updates the message in place', async () => {
    const web = client();
    const posted = await web.chat.postMessage({ channel: 'U1ALICE', text: 'Please approve', blocks: [section('*Budget*')] });
    expect(posted.channel).toBe(fake.dmChannelFor('U1ALICE'));
    expect(posted.channel).toMatch(/^D/);
    expect(posted.ts).toMatch(/^\d+\.\d{6}$/);
    expect(posted.message?.text).toBe('Please approve');

    const updated = await web.chat.update({ channel: posted.channel ?? '', ts: posted.ts ?? '', text: 'Approved', blocks: [section('Done')] });
    expect(updated.ts).toBe(posted.ts);
    expect(fake.getMessage(posted.channel ?? '', posted.ts ?? '')?.text).toBe('Approved');

    // The form-encoded blocks were parsed back into objects, and the bearer token recorded.
    const [call] = fake.callsTo('chat.postMessage');
    expect(call?.args.blocks).toEqual([section('*Budget*')]);
    expect(call?.token).toBe(TOKEN);
  });

  it('answers message_not_found for a message it never saw', async () => {
    const data = await slackError(client().chat.update({ channel: 'C0GENERAL', ts: '1.000001', text: 'x' }));
    expect(data.error).toBe('message_not_found');
  });

  it('keeps one DM channel per user across conversations.open and posts', async () => {
    const web = client();
    const first = await web.conversations.open({ users: 'U1ALICE' });
    const again = await web.conversations.open({ users: 'U1ALICE' });
    expect(again.channel?.id).toBe(first.channel?.id);
    expect(again.already_open).toBe(true);
    const posted = await web.chat.postMessage({ channel: first.channel?.id ?? '', text: 'hi' });
    expect(posted.channel).toBe(first.channel?.id);
    expect((await slackError(web.conversations.open({ users: 'U2BOB' }))).error).toBe('user_disabled');
    expect((await slackError(web.conversations.open({ users: 'U404' }))).error).toBe('user_not_found');
  });

  it('answers invalid_blocks for 51 blocks, as Slack words it', async () => {
    const blocks = Array.from({ length: 51 }, (_, i) => section(`row ${i}`));
    const data = await slackError(client().chat.postMessage({ channel: 'C0GENERAL', text: 'list', blocks }));
    expect(data.error).toBe('invalid_blocks');
    expect(data.errors).toEqual(['no more than 50 items allowed [json-pointer:/blocks]']);
    expect(data.response_metadata?.messages).toEqual(['[ERROR] no more than 50 items allowed [json-pointer:/blocks]']);
    await expect(client().chat.postMessage({ channel: 'C0GENERAL', text: 'list', blocks: blocks.slice(0, 50) })).resolves.toMatchObject({ ok: true });
  });

  it('answers invalid_blocks for a 3001-character section and accepts 3000', async () => {
    const data = await slackError(client().chat.postMessage({ channel: 'C0GENERAL', text: 't', blocks: [section('x'.repeat(3001))] }));
    expect(data.error).toBe('invalid_blocks');
    expect(data.errors).toEqual(['must be less than 3001 characters [json-pointer:/blocks/0/text/text]']);
    await expect(client().chat.postMessage({ channel: 'C0GENERAL', text: 't', blocks: [section('x'.repeat(3000))] })).resolves.toMatchObject({ ok: true });
  });

  it('checks the other Block Kit limits in messages', async () => {
    const button = (i: number, text = 'Approve', value = 'v') => ({ type: 'button', action_id: `a${i}`, text: { type: 'plain_text', text }, value });
    const cases: [unknown[], string][] = [
      [[{ type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } }], 'must be less than 151 characters [json-pointer:/blocks/0/text/text]'],
      [[{ type: 'header', text: { type: 'mrkdwn', text: '*h*' } }], 'must be one of [plain_text] [json-pointer:/blocks/0/text/type]'],
      [[{ type: 'actions', elements: Array.from({ length: 26 }, (_, i) => button(i)) }], 'no more than 25 items allowed [json-pointer:/blocks/0/elements]'],
      [[{ type: 'actions', elements: [button(1, 'b'.repeat(76))] }], 'must be less than 76 characters [json-pointer:/blocks/0/elements/0/text/text]'],
      [[{ type: 'actions', elements: [button(1, 'ok', 'v'.repeat(2001))] }], 'must be less than 2001 characters [json-pointer:/blocks/0/elements/0/value]'],
      [[{ type: 'actions', elements: [button(1), button(1)] }], 'duplicate action_id: a1 [json-pointer:/blocks/0/elements/1/action_id]'],
      [[{ ...section('a'), block_id: 'b' }, { ...section('b'), block_id: 'b' }], 'duplicate block_id: b [json-pointer:/blocks/1/block_id]'],
      [[{ type: 'context', elements: Array.from({ length: 11 }, () => ({ type: 'mrkdwn', text: 'c' })) }], 'no more than 10 items allowed [json-pointer:/blocks/0/elements]'],
      [[{ type: 'section', fields: Array.from({ length: 11 }, () => ({ type: 'mrkdwn', text: 'f' })) }], 'no more than 10 items allowed [json-pointer:/blocks/0/fields]'],
      [[{ type: 'carousel' }], 'unsupported type: carousel [json-pointer:/blocks/0/type]'],
    ];
    for (const [blocks, expected] of cases) {
      const data = await slackError(client().chat.postMessage({ channel: 'C0GENERAL', text: 't', blocks: blocks as never }));
      expect(data.errors, expected).toEqual([expected]);
    }
    expect((await slackError(client().chat.postMessage({ channel: 'C0GENERAL', text: 'x'.repeat(40_001) }))).error).toBe('msg_too_long');
    expect((await slackError(client().chat.postMessage({ channel: 'C0GENERAL', text: '' }))).error).toBe('no_text');
  });
});

describe('fake Slack: views', () => {
  it('opens a modal with a fresh trigger_id, once', async () => {
    const web = client();
    const trigger = fake.issueTriggerId({ userId: 'U1ALICE' });
    const opened = await web.views.open({ trigger_id: trigger, view: modal({ private_metadata: 'sub-1' }) });
    expect(opened.view?.id).toMatch(/^V/);
    expect(opened.view?.private_metadata).toBe('sub-1');
    expect((await slackError(web.views.open({ trigger_id: trigger, view: modal() }))).error).toBe('exchanged_trigger_id');
  });

  it('answers expired_trigger_id for trigger ids older than 3 s or never issued', async () => {
    const web = client();
    const old = fake.issueTriggerId({ ageMs: 3500 });
    expect((await slackError(web.views.open({ trigger_id: old, view: modal() }))).error).toBe('expired_trigger_id');
    expect((await slackError(web.views.open({ trigger_id: '123.456.abc', view: modal() }))).error).toBe('expired_trigger_id');
  });

  it('answers invalid_arguments with json-pointer messages for an oversized modal', async () => {
    const view = modal({ title: { type: 'plain_text', text: 't'.repeat(25) }, private_metadata: 'm'.repeat(3001) });
    const data = await slackError(client().views.open({ trigger_id: fake.issueTriggerId(), view }));
    expect(data.error).toBe('invalid_arguments');
    expect(data.response_metadata?.messages).toEqual([
      '[ERROR] failed to match all allowed schemas [json-pointer:/view]',
      '[ERROR] must be less than 3001 characters [json-pointer:/view/private_metadata]',
      '[ERROR] must be less than 25 characters [json-pointer:/view/title/text]',
    ]);
  });

  it('updates by view_id or external_id, honouring hash and answering not_found', async () => {
    const web = client();
    const opened = await web.views.open({ trigger_id: fake.issueTriggerId(), view: modal({ external_id: 'req-7' }) });
    const byExternal = await web.views.update({ external_id: 'req-7', view: modal({ external_id: 'req-7', blocks: [section('step 2')] }) });
    expect(byExternal.view?.id).toBe(opened.view?.id);
    const stale = await slackError(web.views.update({ view_id: opened.view?.id ?? '', hash: opened.view?.hash ?? '', view: modal() }));
    expect(stale.error).toBe('hash_conflict');
    await expect(web.views.update({ view_id: opened.view?.id ?? '', hash: byExternal.view?.hash ?? '', view: modal() })).resolves.toMatchObject({ ok: true });
    expect((await slackError(web.views.update({ view_id: 'V0NOPE', view: modal() }))).error).toBe('not_found');
  });

  it('pushes onto the modal the interaction came from, at most three deep', async () => {
    const web = client();
    const root = await web.views.open({ trigger_id: fake.issueTriggerId(), view: modal() });
    let top = root.view;
    for (let depth = 2; depth <= 3; depth += 1) {
      const pushed = await web.views.push({ trigger_id: fake.issueTriggerId({ viewId: top?.id ?? '' }), view: modal() });
      expect(pushed.view).toMatchObject({ root_view_id: root.view?.id, previous_view_id: top?.id });
      top = pushed.view;
    }
    const data = await slackError(web.views.push({ trigger_id: fake.issueTriggerId({ viewId: top?.id ?? '' }), view: modal() }));
    expect(data.error).toBe('push_limit_reached');
  });

  it('publishes a Home tab of up to 100 blocks', async () => {
    const web = client();
    const blocks = Array.from({ length: 100 }, (_, i) => section(`row ${i}`));
    await expect(web.views.publish({ user_id: 'U1ALICE', view: { type: 'home', blocks } })).resolves.toMatchObject({ ok: true });
    const data = await slackError(web.views.publish({ user_id: 'U1ALICE', view: { type: 'home', blocks: [...blocks, section('one more')] } }));
    expect(data.response_metadata?.messages).toContain('[ERROR] no more than 100 items allowed [json-pointer:/view/blocks]');
  });
});

describe('block-kit-validator', () => {
  const input = (element: Record<string, unknown>, label = 'Reason') => ({ type: 'input', block_id: 'in', label: { type: 'plain_text', text: label }, element });

  it('checks input blocks, text inputs and select options in modals', () => {
    const options = Array.from({ length: 101 }, (_, i) => ({ text: { type: 'plain_text', text: `o${i}` }, value: `${i}` }));
    const view = modal({
      submit: { type: 'plain_text', text: 'Submit' },
      blocks: [
        input({ type: 'plain_text_input', action_id: 'a', initial_value: 'i'.repeat(3001), max_length: 3001 }, 'l'.repeat(2001)),
        { ...input({ type: 'static_select', action_id: 'b', options }), block_id: 'sel' },
        { ...input({ type: 'static_select', action_id: 'c', options: [{ text: { type: 'plain_text', text: 'x'.repeat(76) }, value: 'v'.repeat(151) }] }), block_id: 'one' },
      ],
    });
    expect(validateView(view).map(formatProblem)).toEqual([
      'must be less than 2001 characters [json-pointer:/view/blocks/0/label/text]',
      'must be less than 3001 characters [json-pointer:/view/blocks/0/element/initial_value]',
      'must be less than or equal to 3000 [json-pointer:/view/blocks/0/element/max_length]',
      'no more than 100 items allowed [json-pointer:/view/blocks/1/element/options]',
      'must be less than 76 characters [json-pointer:/view/blocks/2/element/options/0/text/text]',
      'must be less than 151 characters [json-pointer:/view/blocks/2/element/options/0/value]',
    ]);
  });

  it('requires a submit button on modals with inputs and bounds title, buttons and callback_id', () => {
    const view = modal({
      callback_id: 'c'.repeat(256),
      close: { type: 'plain_text', text: 'c'.repeat(25) },
      blocks: [input({ type: 'plain_text_input', action_id: 'a' })],
    });
    expect(validateView(view).map((p) => p.pointer)).toEqual(['/view/callback_id', '/view/close/text', '/view/submit']);
  });

  it('accepts a message at every limit exactly', () => {
    const blocks = [
      { type: 'header', text: { type: 'plain_text', text: 'h'.repeat(150) } },
      { type: 'section', block_id: 'b'.repeat(255), fields: Array.from({ length: 10 }, () => ({ type: 'mrkdwn', text: 'f'.repeat(2000) })) },
      { type: 'actions', elements: Array.from({ length: 25 }, (_, i) => ({ type: 'button', action_id: `${i}`.padEnd(255, 'a'), text: { type: 'plain_text', text: 't'.repeat(75) }, value: 'v'.repeat(2000) })) },
      ...Array.from({ length: 47 }, () => ({ type: 'divider' })),
    ];
    expect(validateBlocks(blocks, 'message')).toEqual([]);
  });
});

describe('fake Slack: directory', () => {
  it('serves seeded users, user groups, and Slack errors for unknown ones', async () => {
    const web = client();
    const info = await web.users.info({ user: 'U1ALICE' });
    expect(info.user).toMatchObject({ id: 'U1ALICE', real_name: 'Alice Doe', tz: 'Europe/Berlin', tz_offset: 3600, deleted: false, is_bot: false });
    expect((await web.users.info({ user: 'U2BOB' })).user?.deleted).toBe(true);
    expect((await slackError(web.users.info({ user: 'U404' }))).error).toBe('user_not_found');

    fake.addUserGroup('S0FIN', ['U1ALICE', 'U2BOB'], { handle: 'finance' });
    expect((await web.usergroups.users.list({ usergroup: 'S0FIN' })).users).toEqual(['U1ALICE', 'U2BOB']);
    expect((await web.usergroups.list({ include_users: true })).usergroups?.[0]).toMatchObject({ id: 'S0FIN', handle: 'finance', users: ['U1ALICE', 'U2BOB'] });
    expect((await slackError(web.usergroups.users.list({ usergroup: 'S0NOPE' }))).error).toBe('no_such_subteam');
  });

  it('answers missing_scope for methods the manifest scopes do not cover', async () => {
    const data = await slackError(client().users.lookupByEmail({ email: 'alice@example.com' }));
    expect(data).toMatchObject({ error: 'missing_scope', needed: 'users:read.email' });
  });
});

describe('fake Slack: auth, faults and transport', () => {
  it('answers not_authed without a token and invalid_auth for a token it does not know', async () => {
    expect((await slackError(client({}, null).auth.test())).error).toBe('not_authed');
    const strict = await startFakeSlack({ tokens: [TOKEN] });
    try {
      const bad = new WebClient('xoxb-wrong', { slackApiUrl: strict.url, logger: silent, retryConfig: { retries: 0 } });
      expect((await slackError(bad.auth.test())).error).toBe('invalid_auth');
    } finally {
      await strict.close();
    }
  });

  it('answers 429 with Retry-After, which the WebClient waits out before succeeding', async () => {
    const web = client({ retryConfig: { retries: 1 }, rejectRateLimitedCalls: false });
    const retryAfters: number[] = [];
    web.on(WebClientEvent.RATE_LIMITED, (seconds: number) => retryAfters.push(seconds));
    fake.rateLimitNext('chat.postMessage', 1);
    const started = Date.now();
    const posted = await web.chat.postMessage({ channel: 'C0GENERAL', text: 'hello' });
    expect(posted.ok).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(retryAfters).toEqual([1]);
    expect(fake.callsTo('chat.postMessage').map((c) => c.status)).toEqual([429, 200]);
    expect(fake.callsTo('chat.postMessage')[0]?.response).toEqual({ ok: false, error: 'ratelimited' });
  });

  it('injects one-shot platform errors and server errors', async () => {
    const web = client();
    fake.failNext('chat.postMessage', { error: 'account_inactive' });
    expect((await slackError(web.chat.postMessage({ channel: 'C0GENERAL', text: 'a' }))).error).toBe('account_inactive');
    await expect(web.chat.postMessage({ channel: 'C0GENERAL', text: 'a' })).resolves.toMatchObject({ ok: true });

    fake.serverErrorNext('users.info', 503);
    const err = await web.users.info({ user: 'U1ALICE' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WebAPIHTTPError);
    expect((err as WebAPIHTTPError).statusCode).toBe(503);
  });

  it('accepts application/json bodies, answers unknown_method, and lets tests wait for calls', async () => {
    const waiting = fake.waitFor((c) => c.method === 'chat.postMessage' && c.response?.ok === true, 2000);
    const res = await fetch(`${fake.url}chat.postMessage`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify({ channel: 'C0GENERAL', text: 'json', blocks: [section('json body')] }),
    });
    expect(await res.json()).toMatchObject({ ok: true, channel: 'C0GENERAL' });
    const call = await waiting;
    expect(call.args.blocks).toEqual([section('json body')]);

    const unknown = await slackError(client().apiCall('chat.frobnicate', {}));
    expect(unknown.error).toBe('unknown_method');
    await expect(fake.waitFor((c) => c.method === 'views.open', 50)).rejects.toThrow(/no matching call/);
  });
});

describe('fake Slack: where Slack is stricter than an app may assume', () => {
  let strict: FakeSlack;
  const web = (options: WebClientOptions = {}) => new WebClient(TOKEN, { slackApiUrl: strict.url, logger: silent, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true, ...options });
  beforeEach(async () => {
    strict = await startFakeSlack();
    strict.addUser({ id: 'U1ALICE', name: 'alice' });
    strict.addUser({ id: 'U3CAROL', name: 'carol' });
  });
  afterEach(async () => {
    await strict.close();
  });

  it('posts to a channel only once the bot is in it: not_in_channel when public, channel_not_found when private or unknown', async () => {
    strict.addChannel('C0AUDIT', { name: 'audit', botIsMember: false });
    strict.addChannel('G0SECRET', { isPrivate: true, botIsMember: false });
    expect((await slackError(web().chat.postMessage({ channel: 'C0AUDIT', text: 'checkpoint' }))).error).toBe('not_in_channel');
    expect((await slackError(web().chat.postMessage({ channel: 'G0SECRET', text: 'x' }))).error).toBe('channel_not_found');
    expect((await slackError(web().chat.postMessage({ channel: 'C0NOSUCH', text: 'x' }))).error).toBe('channel_not_found');
    strict.setBotMembership('C0AUDIT', true);
    await expect(web().chat.postMessage({ channel: 'C0AUDIT', text: 'checkpoint' })).resolves.toMatchObject({ ok: true, channel: 'C0AUDIT' });
    const withPublicScope = await startFakeSlack({ scopes: ['chat:write', 'chat:write.public'] });
    try {
      withPublicScope.addChannel('C0AUDIT', { botIsMember: false });
      const client2 = new WebClient(TOKEN, { slackApiUrl: withPublicScope.url, logger: silent, retryConfig: { retries: 0 } });
      await expect(client2.chat.postMessage({ channel: 'C0AUDIT', text: 'x' })).resolves.toMatchObject({ ok: true });
    } finally {
      await withPublicScope.close();
    }
  });

  it('updates and deletes a DM message only by the D… channel Slack returned, not by the user id', async () => {
    const posted = await web().chat.postMessage({ channel: 'U1ALICE', text: 'card' });
    const channel = posted.channel ?? '';
    expect(channel).toMatch(/^D[A-Z0-9]+$/);
    expect(channel).not.toContain('U1ALICE');
    expect((await slackError(web().chat.update({ channel: 'U1ALICE', ts: posted.ts ?? '', text: 'redrawn' }))).error).toBe('channel_not_found');
    await expect(web().chat.update({ channel, ts: posted.ts ?? '', text: 'redrawn' })).resolves.toMatchObject({ ok: true, channel });
    expect((await slackError(web().chat.delete({ channel: 'U1ALICE', ts: posted.ts ?? '' }))).error).toBe('channel_not_found');
    expect((await web().conversations.open({ users: 'U1ALICE' })).channel?.id).toBe(channel);
  });

  it('shows an ephemeral message only to someone in the conversation', async () => {
    strict.addChannel('C0TEAM', { members: ['U1ALICE'] });
    const dm = (await web().chat.postMessage({ channel: 'U1ALICE', text: 'card' })).channel ?? '';
    await expect(web().chat.postEphemeral({ channel: dm, user: 'U1ALICE', text: 'only you' })).resolves.toMatchObject({ ok: true });
    expect((await slackError(web().chat.postEphemeral({ channel: dm, user: 'U3CAROL', text: 'x' }))).error).toBe('user_not_in_channel');
    expect((await slackError(web().chat.postEphemeral({ channel: 'C0TEAM', user: 'U3CAROL', text: 'x' }))).error).toBe('user_not_in_channel');
    expect((await slackError(web().chat.postEphemeral({ channel: 'U1ALICE', user: 'U1ALICE', text: 'x' }))).error).toBe('channel_not_found');
  });

  it('rate-limits each method by its tier, per token, with a Retry-After to the next free call', async () => {
    expect(RATE_LIMITS['usergroups.users.list']).toEqual({ perMinute: 20, burst: 20 });
    strict.addUserGroup('S0FIN', ['U1ALICE']);
    for (let i = 0; i < 20; i++) await web().usergroups.users.list({ usergroup: 'S0FIN' });
    const limited = await web().usergroups.users.list({ usergroup: 'S0FIN' }).catch((e: { code?: string; retryAfter?: number }) => e);
    expect(limited).toMatchObject({ code: 'slack_webapi_rate_limited_error', retryAfter: 3 });
    expect(strict.callsTo('usergroups.users.list').at(-1)).toMatchObject({ status: 429, response: { ok: false, error: 'ratelimited' } });
    // Other methods, and other tokens (other workspaces), have budgets of their own.
    await expect(web().users.info({ user: 'U1ALICE' })).resolves.toMatchObject({ ok: true });
    await expect(new WebClient('xoxb-other-workspace', { slackApiUrl: strict.url, retryConfig: { retries: 0 } }).usergroups.users.list({ usergroup: 'S0FIN' })).resolves.toMatchObject({ ok: true });
  });

  it('lets chat.postMessage burst a little per channel, then about one a second, which the WebClient waits out', async () => {
    for (let i = 0; i < 5; i++) await web().chat.postMessage({ channel: 'U1ALICE', text: `burst ${i}` });
    const limited = await web().chat.postMessage({ channel: 'U1ALICE', text: 'one too many' }).catch((e: { code?: string; retryAfter?: number }) => e);
    expect(limited).toMatchObject({ code: 'slack_webapi_rate_limited_error', retryAfter: 1 });
    await expect(web().chat.postMessage({ channel: 'U3CAROL', text: 'another channel' })).resolves.toMatchObject({ ok: true });
    const started = Date.now();
    await expect(web({ rejectRateLimitedCalls: false, retryConfig: { retries: 1 } }).chat.postMessage({ channel: 'U1ALICE', text: 'after waiting' })).resolves.toMatchObject({ ok: true });
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it('takes per-method overrides, and turns the limits off only when asked', async () => {
    const tight = await startFakeSlack({ rateLimits: { 'chat.update': { perMinute: 60, burst: 1 } } });
    const off = await startFakeSlack({ rateLimits: false });
    try {
      for (const f of [tight, off]) f.addUser({ id: 'U1ALICE', name: 'alice' });
      const on = (f: FakeSlack) => new WebClient(TOKEN, { slackApiUrl: f.url, logger: silent, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true });
      const card = await on(tight).chat.postMessage({ channel: 'U1ALICE', text: 'card' });
      await on(tight).chat.update({ channel: card.channel ?? '', ts: card.ts ?? '', text: 'one' });
      await expect(on(tight).chat.update({ channel: card.channel ?? '', ts: card.ts ?? '', text: 'two' })).rejects.toMatchObject({ code: 'slack_webapi_rate_limited_error' });
      for (let i = 0; i < 30; i++) await on(off).chat.postMessage({ channel: 'U1ALICE', text: `${i}` });
      expect(off.callsTo('chat.postMessage').every((c) => c.status === 200)).toBe(true);
    } finally {
      await Promise.all([tight.close(), off.close()]);
    }
  });
});
