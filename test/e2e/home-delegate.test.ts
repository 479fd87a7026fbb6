import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniqueUserId } from '../support/db.ts';
import { startTestApp, type StartedApp } from '../support/start-app.ts';
import { fileAdmin, setupTeam, type Team } from './harness.ts';

let started: StartedApp;
beforeAll(async () => {
  started = await startTestApp({ admins: [fileAdmin] });
});
afterAll(async () => {
  await started.stop();
});

/** `/approval <text>` and its ephemeral reply, as one string of blocks. */
async function reply(team: Team, userId: string, text: string): Promise<string> {
  const response = await started.requests.command({ teamId: team.teamId, userId, text });
  expect(response.status).toBe(200);
  expect(response.json?.response_type).toBe('ephemeral');
  return JSON.stringify(response.json?.blocks);
}

const nextYear = new Date().getUTCFullYear() + 1;

describe('/approval delegate', () => {
  it('sets a delegation from an escaped mention, in whole days of the delegator’s time zone, and ends it with off', async () => {
    const team = await setupTeam(started); // people live in Europe/Berlin in the fake Slack
    const text = await reply(team, team.manager, `delegate <@${team.outsider}|outsider> from ${nextYear}-01-10 until ${nextYear}-01-20 purchase-order`);
    expect(text).toContain(`<@${team.outsider}> decides on requests of \`purchase-order\` for you`);

    const [delegation] = await started.app.services.directory.delegationsOf(team.teamId, team.manager);
    expect(delegation).toMatchObject({ fromUserId: team.manager, toUserId: team.outsider, workflowKey: 'purchase-order' });
    // Berlin is UTC+1 in January: the 10th starts at 23:00 UTC on the 9th; "until the 20th" ends when the 21st starts.
    expect(delegation?.startsAt.toISOString()).toBe(`${nextYear}-01-09T23:00:00.000Z`);
    expect(delegation?.endsAt.toISOString()).toBe(`${nextYear}-01-20T23:00:00.000Z`);

    expect(await reply(team, team.manager, 'delegate off')).toContain('Ended your delegation');
    expect(await started.app.services.directory.delegationsOf(team.teamId, team.manager)).toEqual([]);
    expect(await reply(team, team.manager, 'delegate off')).toContain('no delegation to end');
  });

  it('starts now when no start is given', async () => {
    const team = await setupTeam(started);
    const before = Date.now();
    await reply(team, team.finance[0], `delegate <@${team.finance[1]}> until ${nextYear}-03-01`);
    const [delegation] = await started.app.services.directory.delegationsOf(team.teamId, team.finance[0]);
    expect(delegation?.workflowKey).toBeNull();
    expect(delegation?.startsAt.getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(delegation?.startsAt.getTime()).toBeLessThanOrEqual(Date.now());
  });

  it.each([
    ['delegate', 'Say who decides'],
    ['delegate @bob until 2030-01-01', 'Pick the person from the @ menu'],
    ['delegate <@UNOBODY1> until 2030-02-31', 'is not a date'],
    ['delegate <@UNOBODY1>', 'Say until when'],
    ['delegate <@OUTSIDER> until 2001-01-01', 'has already passed'],
    ['delegate <@OUTSIDER> from 2031-01-05 until 2031-01-01', 'is before'],
    ['delegate <@UNOBODY1> until 2031-01-01', 'cannot take your approvals'],
    ['delegate <@OUTSIDER> until 2031-01-01 holidays', 'There is no workflow \\"holidays\\"'],
  ])('refuses %j with a clear ephemeral message and changes nothing', async (text, expected) => {
    const team = await setupTeam(started);
    const answer = await reply(team, team.requester, text.replace('OUTSIDER', team.outsider));
    expect(answer).toContain(expected);
    expect(answer).toContain('/approval delegate @someone');
    expect(await started.app.services.directory.delegationsOf(team.teamId, team.requester)).toEqual([]);
  });

  it('refuses delegating to yourself or to a deactivated account', async () => {
    const team = await setupTeam(started);
    expect(await reply(team, team.requester, `delegate <@${team.requester}> until ${nextYear}-01-01`)).toContain('cannot delegate to yourself');
    const gone = uniqueUserId('GONE');
    started.slack.addUser({ id: gone, name: 'gone', deleted: true });
    expect(await reply(team, team.requester, `delegate <@${gone}> until ${nextYear}-01-01`)).toContain('deactivated');
    expect(await started.app.services.directory.delegationsOf(team.teamId, team.requester)).toEqual([]);
  });

  it('is listed in /approval help', async () => {
    const team = await setupTeam(started);
    const help = await reply(team, team.requester, 'help');
    expect(help).toContain('/approval delegate @someone');
    expect(help).toContain('/approval admin');
  });
});
