import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebAPIPlatformError, WebClient } from '@slack/web-api';
import { startFakeSlack, type FakeSlack } from '../support/fake-slack.ts';

let fake: FakeSlack;
const client = () => new WebClient('xoxb-test-token', { slackApiUrl: fake.url, retryConfig: { retries: 0 } });
beforeAll(async () => {
  fake = await startFakeSlack();
  fake.addUser({ id: 'U1ALICE', name: 'alice' });
});
afterAll(async () => {
  await fake.close();
});

async function slackError(call: Promise<unknown>): Promise<string | undefined> {
  const err = await call.then(() => undefined, (e: unknown) => e);
  if (!(err instanceof WebAPIPlatformError)) throw new Error(`expected a Slack platform error, got ${String(err)}`);
  return err.data.error;
}

describe('fake Slack: files', () => {
  it('gives a file_input file by files.info, and its bytes only with the bot token (else the sign-in page)', async () => {
    const attached = fake.addUserFile('U1ALICE', 'flow.yaml', 'key: flow\n');
    const info = await client().files.info({ file: String(attached.id) });
    expect(info.file).toMatchObject({ id: attached.id, name: 'flow.yaml', size: 10, filetype: 'yaml' });
    const url = String(info.file?.url_private_download);
    const withToken = await fetch(url, { headers: { authorization: 'Bearer xoxb-test-token' } });
    expect(await withToken.text()).toBe('key: flow\n');
    const without = await fetch(url);
    expect(without.status).toBe(200);
    expect(without.headers.get('content-type')).toContain('text/html');
    expect(await slackError(client().files.info({ file: 'F404' }))).toBe('file_not_found');
  });

  it('shares an uploaded file in a DM: upload URL, bytes (raw or multipart), then complete', async () => {
    const dm = await client().conversations.open({ users: 'U1ALICE' });
    const raw = await client().files.getUploadURLExternal({ filename: 'a.yaml', length: 3 });
    expect((await fetch(String(raw.upload_url), { method: 'POST', body: 'abc' })).status).toBe(200);
    await client().files.completeUploadExternal({ files: [{ id: String(raw.file_id), title: 'A' }], channel_id: String(dm.channel?.id), initial_comment: 'here' });
    // The SDK's own helper sends multipart form data.
    await client().filesUploadV2({ channel_id: String(dm.channel?.id), filename: 'b.yaml', content: 'multi' });
    expect(fake.sharedFiles().map((s) => [s.file.name, s.file.title, s.channel, s.file.content.toString('utf8')])).toEqual([
      ['a.yaml', 'A', fake.dmChannelFor('U1ALICE'), 'abc'], ['b.yaml', 'b.yaml', fake.dmChannelFor('U1ALICE'), 'multi'],
    ]);
  });

  it('refuses to complete a file whose bytes never arrived, and needs the files scopes', async () => {
    const upload = await client().files.getUploadURLExternal({ filename: 'c.yaml', length: 3 });
    expect(await slackError(client().files.completeUploadExternal({ files: [{ id: String(upload.file_id) }] }))).toBe('file_not_found');
    const narrow = await startFakeSlack({ scopes: ['chat:write'] });
    try {
      const limited = new WebClient('xoxb-test-token', { slackApiUrl: narrow.url, retryConfig: { retries: 0 } });
      expect(await slackError(limited.files.getUploadURLExternal({ filename: 'c.yaml', length: 3 }))).toBe('missing_scope');
      expect(await slackError(limited.files.info({ file: 'F1' }))).toBe('missing_scope');
    } finally {
      await narrow.close();
    }
  });
});
