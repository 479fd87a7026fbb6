/**
 * A workspace where nobody is an approval admin (APPROVAL_ADMINS unset, nobody granted): the first
 * `/approval` anyone types says how the first admin is made, instead of a bare "only admins can do that".
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniqueTeamId, uniqueUserId } from '../support/db.ts';
import { startTestApp, type StartedApp } from '../support/start-app.ts';
import { fileAdmin } from './harness.ts';

let withoutAdmins: StartedApp;
let withAdmins: StartedApp;
beforeAll(async () => {
  withoutAdmins = await startTestApp({ admins: [] });
  withAdmins = await startTestApp({ admins: [fileAdmin] });
});
afterAll(async () => {
  await withoutAdmins.stop();
  await withAdmins.stop();
});

const text = (json: Record<string, unknown> | null): string => JSON.stringify(json);

describe('with APPROVAL_ADMINS unset and nobody granted', () => {
  it.each([['admin'], [''], ['new'], ['help']])('`/approval %s` says how the first admin is made, naming the person\'s own member id', async (words) => {
    const teamId = uniqueTeamId();
    const userId = uniqueUserId('FIRST');
    const reply = await withoutAdmins.requests.command({ teamId, userId, text: words });
    expect(reply.status).toBe(200);
    expect(reply.json).toMatchObject({ response_type: 'ephemeral' });
    expect(text(reply.json)).toContain('Nobody is an approval admin in this workspace yet');
    expect(text(reply.json)).toContain('APPROVAL_ADMINS');
    expect(text(reply.json)).toContain(userId);
  });

  it('stops saying so once someone in the workspace was granted the admin role', async () => {
    const teamId = uniqueTeamId();
    const userId = uniqueUserId('LATER');
    const em = withoutAdmins.app.orm.em.fork();
    await em.getConnection().execute('insert into app_admin (team_id, user_id, granted_by) values (?, ?, ?)', [teamId, uniqueUserId('ADM'), 'test']);
    const reply = await withoutAdmins.requests.command({ teamId, userId, text: 'admin' });
    expect(text(reply.json)).not.toContain('APPROVAL_ADMINS');
    expect(text(reply.json)).toContain('Only approval admins can do that');
  });
});

describe('with APPROVAL_ADMINS set', () => {
  it('a non-admin is told to ask an admin, and help says nothing about making one', async () => {
    const teamId = uniqueTeamId();
    const userId = uniqueUserId('NOPE');
    const admin = await withAdmins.requests.command({ teamId, userId, text: 'admin' });
    expect(text(admin.json)).toContain('Only approval admins can do that');
    const help = await withAdmins.requests.command({ teamId, userId, text: 'help' });
    expect(text(help.json)).toContain('How to use /approval');
    expect(text(help.json)).not.toContain('APPROVAL_ADMINS');
  });
});
