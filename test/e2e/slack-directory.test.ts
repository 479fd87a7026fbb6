import { WebClient } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSlackDirectory } from '../../src/slack/slack-directory.ts';
import { startFakeSlack, type FakeSlack } from '../support/fake-slack.ts';

let slack: FakeSlack;
let client: WebClient;
beforeAll(async () => {
  slack = await startFakeSlack();
  client = new WebClient('xoxb-test', { slackApiUrl: slack.url, retryConfig: { retries: 0 } });
});
afterAll(() => slack.close());

describe('the Slack directory', () => {
  it('looks people up once per time-to-live, with their time zone', async () => {
    let clock = 1_000;
    const directory = createSlackDirectory(client, { ttlMs: 60_000, now: () => clock });
    slack.addUser({ id: 'UDIRA1', name: 'ada', realName: 'Ada Lovelace', tz: 'Europe/London' });
    const before = slack.callsTo('users.info').length;
    expect(await directory.user('T1', 'UDIRA1')).toMatchObject({ id: 'UDIRA1', realName: 'Ada Lovelace', tz: 'Europe/London', deleted: false });
    expect(await directory.timeZoneOf('T1', 'UDIRA1')).toBe('Europe/London');
    expect(slack.callsTo('users.info').length - before).toBe(1);
    clock += 60_001;
    await directory.user('T1', 'UDIRA1');
    expect(slack.callsTo('users.info').length - before).toBe(2);
    expect(await directory.user('T1', 'UNOBODY')).toBeNull();
  });

  it('does not keep a failed lookup', async () => {
    const directory = createSlackDirectory(client, { ttlMs: 60_000 });
    slack.addUserGroup('SDIR1', ['UDIRA1', 'UDIRB2']);
    slack.serverErrorNext('usergroups.users.list', 503);
    await expect(directory.membersOf('T1', 'SDIR1')).rejects.toThrow();
    expect(await directory.membersOf('T1', 'SDIR1')).toEqual(['UDIRA1', 'UDIRB2']);
  });
});
