/**
 * One deployment, several installations: two workspaces and an Enterprise Grid org installed through the real
 * OAuth routes, requests and decisions in each with each installation's own token, a 429 storm in one workspace
 * while another's cards arrive on time, an uninstall and a reinstall, and a token rotation.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTION_IDS } from '../../blocks/ids.ts';
import { purchaseOrderWorkflow } from '../fixtures/workflows.ts';
import { installThroughBrowser } from '../support/browser-install.ts';
import { slackOrigin, uniqueTeamId, uniqueUserId } from '../support/db.ts';
import type { BrowserSession } from '../support/fake-slack-workspaces.ts';
import type { RecordedCall } from '../support/fake-slack.ts';
import { gridRequester } from '../support/grid-requests.ts';
import { actionTs } from '../support/slack-requests.ts';
import { startTestApp, type StartedApp } from '../support/start-app.ts';
import { blocksText, callsSince, eventually, latestRequest, mark, postReviewerCard, submitted, type PostedCard, type Team } from './harness.ts';

let started: StartedApp;
beforeAll(async () => {
  started = await startTestApp({ oauth: true, worker: true });
});
afterAll(() => started.stop());

/** A workspace as the test drives it: its people, and the app as seen from that workspace's requests. */
interface Place extends Team {
  readonly installKey: string;
  readonly via: StartedApp;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const installOf = (call: RecordedCall | undefined): string | undefined => started.slack.oauth.tokenInfo(call?.token ?? '')?.installKey;
const auditTypes = async (chain: string): Promise<string[]> =>
  (await started.app.orm.em.fork().execute<{ type: string }[]>('select type from audit_event where chain_id = ? order by seq', [chain])).map((r) => r.type);
const postOf = (card: PostedCard): RecordedCall | undefined => started.slack.callsTo('chat.postMessage').find((c) => c.response?.ts === card.ts && c.response.channel === card.channelId);

/** People in a workspace (W… ids in a Grid org), placed there in the fake Slack, and an admin. */
function people(teamId: string, prefix: 'U' | 'W', admin: string): Omit<Team, 'teamId'> {
  const person = (label: string) => {
    const id = `${prefix}${uniqueUserId(label).slice(1)}`;
    started.slack.addUser({ id, name: id.toLowerCase(), tz: 'Europe/Berlin' });
    started.slack.oauth.placeUser(teamId, id);
    return id;
  };
  started.slack.addUser({ id: admin, name: admin.toLowerCase() });
  started.slack.oauth.placeUser(teamId, admin);
  return { admin, requester: person('REQ'), manager: person('MGR'), finance: [person('FIN'), person('FIN'), person('FIN')], cfo: person('CFO'), outsider: person('OUT') };
}

/** The installer (now an admin of the workspace) sets up the purchase-order workflow there. */
async function configure(place: Place): Promise<void> {
  const { services } = started.app;
  const meta = slackOrigin(place.teamId);
  await services.workflows.publish(place.teamId, place.admin, purchaseOrderWorkflow({ cfo: place.cfo }), meta);
  await services.directory.setRole(place.teamId, place.admin, { name: 'finance', members: [...place.finance] }, meta);
  await services.directory.setManager(place.teamId, place.admin, place.requester, place.manager, meta);
}

async function install(session: BrowserSession): Promise<string> {
  const done = await installThroughBrowser(started.baseUrl, started.slack, session);
  expect(done.status, done.html).toBe(200);
  return done.html;
}

async function workspace(name: string): Promise<Place> {
  const teamId = uniqueTeamId();
  started.slack.oauth.addWorkspace(teamId, name);
  const admin = uniqueUserId('INS');
  const place: Place = { teamId, installKey: teamId, via: started, ...people(teamId, 'U', admin) };
  expect(await install({ teamId, userId: admin })).toContain(`Approvals is installed in <strong>${name}</strong>`);
  return place;
}

const approve = (place: Place, userId: string, card: PostedCard) =>
  place.via.requests.action({ teamId: place.teamId, userId, actionId: ACTION_IDS.approve, value: card.value, message: { channelId: card.channelId, ts: card.ts }, actionTs: actionTs() });

/** The card is redrawn (chat.update) after `since` with the installation's own token, showing `text`. */
async function redrawn(place: Place, card: PostedCard, since: number, text: string): Promise<void> {
  await eventually(() => {
    const update = callsSince(started, since, 'chat.update', (a) => a.ts === card.ts).find((c) => c.response?.ok === true && blocksText(c.args).includes(text));
    expect(update).toBeDefined();
    expect(installOf(update)).toBe(place.installKey);
  }, 10_000);
}

const order = { vendor: 'Acme', amount: '120' };
let a: Place;
let b: Place;
let g1: Place;
let g2: Place;
let org: string;

describe('two workspaces and an Enterprise Grid org on one deployment', () => {
  it('installs each through Add to Slack; each installer is an admin of their own workspace only', async () => {
    a = await workspace('Acme');
    b = await workspace('Beta');
    org = `E${randomBytes(5).toString('hex').toUpperCase()}`;
    const [grid1, grid2] = [uniqueTeamId(), uniqueTeamId()];
    started.slack.oauth.addWorkspace(grid1, 'Grid one', org);
    started.slack.oauth.addWorkspace(grid2, 'Grid two', org);
    const orgAdmin = `W${uniqueUserId('ORGADM').slice(1)}`;
    const gridRequests = gridRequester(started.requests, org);
    g1 = { teamId: grid1, installKey: org, via: { ...started, requests: gridRequests }, ...people(grid1, 'W', orgAdmin) };
    g2 = { teamId: grid2, installKey: org, via: { ...started, requests: gridRequests }, ...people(grid2, 'W', orgAdmin) };
    expect(await install({ orgWide: org, userId: orgAdmin })).toContain('installed for the whole of');
    expect(await auditTypes(org)).toEqual(['installation.installed']);

    expect(await started.app.services.directory.isAdmin(a.teamId, a.admin)).toBe(true);
    expect(await started.app.services.directory.isAdmin(b.teamId, a.admin)).toBe(false);
    await expect(started.app.services.workflows.publish(b.teamId, a.admin, purchaseOrderWorkflow({ cfo: b.cfo }), slackOrigin(b.teamId))).rejects.toThrow(/Only approval admins/);
    await configure(a);
    await configure(b);
  });

  it('takes a request and its decisions in each workspace, every call with that installation\'s token', async () => {
    for (const place of [a, b]) {
      const request = await submitted(place.via, place, { title: `Laptops for ${place.teamId}`, ...order });
      const card = await postReviewerCard(started, place, request.id, place.manager);
      expect(installOf(postOf(card))).toBe(place.teamId);
      const since = mark(started);
      expect((await approve(place, place.manager, card)).status).toBe(200);
      await redrawn(place, card, since, 'You approved');
      expect((await started.app.services.submissions.get(place.teamId, request.id)).stages.map((s) => s.status)).toEqual(['approved', 'open']);
    }
    // Every Web API call the app made so far used one of the tokens the installs gave it.
    const made = started.slack.calls.filter((c) => c.method !== 'oauth.v2.access' && c.token !== undefined);
    expect(made.length).toBeGreaterThan(0);
    expect(made.every((c) => installOf(c) !== undefined)).toBe(true);
  });

  it('serves every workspace of the Grid org from its org-wide install, with W… ids, and the org installer an admin of each', async () => {
    // The org installer becomes an admin of a workspace of the org once that workspace uses the app.
    const opened = await g1.via.requests.command({ teamId: g1.teamId, userId: g1.admin, text: 'help' });
    expect(opened.status).toBe(200);
    expect(await started.app.services.directory.isAdmin(g1.teamId, g1.admin)).toBe(true);
    await configure(g1);
    const request = await submitted(g1.via, g1, { title: 'Grid laptops', ...order });
    expect(request.requesterId).toMatch(/^W/);
    const card = await postReviewerCard(started, g1, request.id, g1.manager);
    const post = postOf(card);
    expect(installOf(post)).toBe(org);
    expect(post?.args.team_id).toBe(g1.teamId);
    const since = mark(started);
    await approve(g1, g1.manager, card);
    await redrawn(g1, card, since, 'You approved');
    // Records stay per workspace and carry the org Slack named; the org's installation events are in its own chain.
    expect(await started.app.services.installations.enterpriseOf(g1.teamId)).toBe(org);
    const [decided] = await started.app.orm.em.fork().execute<{ origin: Record<string, unknown> }[]>("select origin from audit_event where chain_id = ? and type = 'decision.approved' and submission_id = ?", [g1.teamId, request.id]);
    expect(decided?.origin).toMatchObject({ kind: 'slack', teamId: g1.teamId, enterpriseId: org });
    expect((await started.app.services.audit.verify(g1.teamId)).ok).toBe(true);
    expect((await started.app.services.audit.verify(org)).ok).toBe(true);
    expect(await started.app.services.directory.isAdmin(g2.teamId, g1.admin)).toBe(false);
  });

  it('also takes a workspace-level install inside the org, which then uses its own token', async () => {
    const localAdmin = `W${uniqueUserId('LOCAL').slice(1)}`;
    started.slack.addUser({ id: localAdmin, name: localAdmin.toLowerCase() });
    started.slack.oauth.placeUser(g2.teamId, localAdmin);
    expect(await install({ teamId: g2.teamId, userId: localAdmin })).toContain('Approvals is installed in <strong>Grid two</strong>');
    const local: Place = { ...g2, admin: localAdmin, installKey: g2.teamId, via: { ...started, requests: gridRequester(started.requests, org, false) } };
    await configure(local);
    const request = await submitted(local.via, local, { title: 'Local install', ...order });
    const card = await postReviewerCard(started, local, request.id, local.manager);
    expect(installOf(postOf(card))).toBe(g2.teamId);
    expect(await started.app.services.directory.isAdmin(g2.teamId, localAdmin)).toBe(true);
    expect(await started.app.services.directory.isAdmin(g1.teamId, localAdmin)).toBe(false);
  });

  it('keeps delivering one workspace\'s cards on time through a 429 storm in another', async () => {
    const stormSeconds = 8;
    started.slack.oauth.rateLimitTeam(a.teamId, stormSeconds, { retryAfter: stormSeconds });
    const stormStart = Date.now();
    const inA = await started.app.services.submissions.submit({ teamId: a.teamId, workflowKey: 'purchase-order', requesterId: a.requester, title: 'During the storm', fields: { vendor: 'Acme', amount: 99 } }, slackOrigin(a.teamId));
    await started.slack.waitFor((c) => c.status === 429 && installOf(c) === a.teamId, 10_000);

    const sent = Date.now();
    const inB = await submitted(b.via, b, { title: 'While Acme waits', ...order });
    const cardB = await postReviewerCard(started, b, inB.id, b.manager);
    const postB = postOf(cardB);
    expect((postB?.at ?? Infinity) - sent).toBeLessThan(5000);
    expect(postB?.at ?? Infinity).toBeLessThan(stormStart + stormSeconds * 1000);

    // Acme's cards wait out the Retry-After, then arrive, once each.
    const cardA = await postReviewerCard(started, a, inA.id, a.manager);
    expect((postOf(cardA)?.at ?? 0) - stormStart).toBeGreaterThanOrEqual(stormSeconds * 1000 - 200);
    const accepted = started.slack.callsTo('chat.postMessage').filter((c) => c.response?.ok === true && installOf(c) === a.teamId && blocksText(c.args).includes(inA.id.slice(0, 8)));
    expect(accepted.filter((c) => c.args.channel === a.manager)).toHaveLength(1);
  }, 40_000);

  it('stops delivering to an uninstalled workspace at once, records what was not delivered, and resumes after a reinstall', async () => {
    const bot = started.slack.oauth.botUserOf(b.teamId) ?? 'U0BOT';
    started.slack.oauth.revokeInstallation(b.teamId);
    const uninstalled = await started.requests.event({
      token: 'legacy', team_id: b.teamId, api_app_id: 'A0APP', type: 'event_callback', event_id: `Ev${randomBytes(5).toString('hex')}`, event_time: Math.floor(Date.now() / 1000),
      event: { type: 'app_uninstalled', event_ts: actionTs() },
      authorizations: [{ team_id: b.teamId, user_id: bot, is_bot: true, is_enterprise_install: false, enterprise_id: null }],
    });
    expect(uninstalled.status).toBe(200);
    await eventually(async () => expect(await started.app.services.installations.credentialsFor(b.teamId)).toMatchObject({ status: 'inactive', reason: 'app_uninstalled' }));

    // Work for the workspace (here a request through the API) is recorded as not delivered, and nothing is sent.
    const since = mark(started);
    const id = (await started.app.services.submissions.submit({ teamId: b.teamId, workflowKey: 'purchase-order', requesterId: b.requester, title: 'After uninstall', fields: { vendor: 'Acme', amount: 5 } }, slackOrigin(b.teamId))).id;
    const failed = await eventually(async () => {
      const failures = (await started.app.services.delivery.notificationFailures(b.teamId, b.admin)).filter((f) => f.submissionId === id);
      expect(failures.map((f) => f.kind).sort()).toEqual(['requester', 'reviewer']);
      return failures;
    }, 10_000);
    expect(failed.every((f) => f.error === 'app_uninstalled')).toBe(true);
    // A person in that workspace gets nothing back from the app (Slack would not send it there either).
    await started.requests.command({ teamId: b.teamId, userId: b.requester, text: 'new purchase-order' });
    await sleep(500);
    expect(started.slack.calls.slice(since).filter((c) => c.method !== 'oauth.v2.access' && installOf(c) === b.teamId)).toEqual([]);
    expect((await started.app.services.delivery.notificationFailures(b.teamId, b.admin)).filter((f) => f.submissionId === id)).toHaveLength(2);

    expect(await install({ teamId: b.teamId, userId: b.admin })).toContain('Approvals is installed');
    const types = await auditTypes(b.teamId);
    expect(types.slice(types.indexOf('installation.uninstalled'))).toEqual(expect.arrayContaining(['installation.uninstalled', 'notification.failed', 'installation.reinstalled']));
    expect((await started.app.services.audit.verify(b.teamId)).ok).toBe(true);

    const again = await submitted(b.via, b, { title: 'Back again', ...order });
    const card = await postReviewerCard(started, b, again.id, b.manager);
    const post = postOf(card);
    expect(installOf(post)).toBe(b.teamId);
    expect(started.slack.oauth.tokenInfo(post?.token ?? '')?.revoked).toBe(false);
  }, 40_000);

  it('exchanges an expiring bot token before using it (token rotation)', async () => {
    started.slack.oauth.configure({ tokenRotation: { lifetimeSeconds: 2 } });
    const c = await workspace('Rotating');
    started.slack.oauth.configure({ tokenRotation: { lifetimeSeconds: 43_200 } });
    await configure(c);
    const first = (await started.app.services.installations.find(c.teamId))?.bot.token ?? '';
    expect(started.slack.oauth.tokenInfo(first)?.expiresAt).toBeLessThan(Date.now() + 3000);
    await sleep(2100);

    const request = await submitted(c.via, c, { title: 'Rotated', ...order });
    const card = await postReviewerCard(started, c, request.id, c.manager);
    const post = postOf(card);
    expect(installOf(post)).toBe(c.teamId);
    expect(post?.token).not.toBe(first);
    const refreshes = started.slack.callsTo('oauth.v2.access').filter((call) => call.args.grant_type === 'refresh_token');
    expect(refreshes).toHaveLength(1);
    expect(refreshes[0]?.response?.ok).toBe(true);
    expect(started.slack.calls.filter((call) => call.token === first && call.response?.error === 'token_expired')).toEqual([]);
    expect(await auditTypes(c.teamId)).toContain('installation.token_rotated');
    started.slack.oauth.configure({ tokenRotation: null });
    // The latest request of the workspace is the one delivered with the rotated token.
    expect((await latestRequest(started, c)).id).toBe(request.id);
  });

  it('keeps every token out of the metrics, the audit trail, its exports and the stored rows', async () => {
    const tokens = started.slack.oauth.issuedTokens();
    expect(tokens.length).toBeGreaterThan(4);
    const metrics = await (await fetch(new URL('/metrics', started.baseUrl))).text();
    const em = started.app.orm.em.fork();
    const audit = JSON.stringify(await em.execute('select * from audit_event'));
    const stored = JSON.stringify(await em.execute('select * from slack_installation'));
    let exported = '';
    const { privateKey } = generateKeyPairSync('ed25519');
    await started.app.services.exports.exportAudit((chunk) => { exported += chunk; }, { format: 'jsonl', signer: { privateKey } });
    expect(exported).toContain('installation.installed');
    for (const token of tokens) {
      for (const [where, text] of [['metrics', metrics], ['audit trail', audit], ['export', exported], ['installation rows', stored]] as const) {
        expect(text.includes(token), `${where} holds a token`).toBe(false);
      }
    }
    expect(stored.includes(started.env.SLACK_CLIENT_SECRET ?? 'unset')).toBe(false);
  });
});
