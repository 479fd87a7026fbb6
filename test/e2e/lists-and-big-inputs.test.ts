/**
 * Lists and big inputs a person can produce: `/approval list` with many long titles full of characters that grow
 * when escaped, and the largest workflow the schema allows imported and exported in Slack.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { draftFromDefinition, encodeDraft, encodeItemContext, fitsMetadata } from '../../blocks/admin/draft.ts';
import { ADMIN_ACTIONS, ADMIN_BLOCKS, ADMIN_CALLBACKS, INPUT_ACTION } from '../../blocks/admin/ids.ts';
import { WORKFLOW_LIMITS, shortIdOf, workflowFromText, workflowToYaml } from '../../src/domain/index.ts';
import { slackOrigin } from '../support/db.ts';
import { startTestApp, type StartedApp } from '../support/start-app.ts';
import { longestDefinition } from '../unit/blocks-fixtures.ts';
import { fileAdmin, mark, setupTeam, type Team } from './harness.ts';
import { modalDriver, text } from './modal-driver.ts';

let started: StartedApp;
beforeAll(async () => {
  started = await startTestApp({ admins: [fileAdmin] });
});
afterAll(async () => {
  await started.stop();
});

async function reply(team: Team, userId: string, text: string): Promise<string> {
  const response = await started.requests.command({ teamId: team.teamId, userId, text });
  expect(response.status).toBe(200);
  expect(response.json?.response_type).toBe('ephemeral');
  return JSON.stringify(response.json?.blocks);
}

describe('/approval list', () => {
  it('drops no request: 57 requests with 150-character titles of & < > come 20 a page, saying how many there are', async () => {
    const team = await setupTeam(started);
    const ids: string[] = [];
    for (let i = 0; i < 57; i++) {
      const title = `${String(i).padStart(2, '0')} ${'R&D <budget> & more '.repeat(8)}`.slice(0, 150);
      const state = await started.app.services.submissions.submit({
        teamId: team.teamId, workflowKey: 'purchase-order', requesterId: team.requester, title, fields: { vendor: 'A&B <Co>', amount: 10 + i },
      }, slackOrigin(team.teamId));
      ids.push(state.id);
    }
    const newestFirst = [...ids].reverse();
    const seen: string[] = [];
    for (const [page, expected] of [[1, 'Showing 1–20 of 57. `/approval list 2` shows the next 20'], [2, 'Showing 21–40 of 57. `/approval list 3` shows the next 17'], [3, 'Showing 41–57 of 57.']] as const) {
      const text = await reply(team, team.requester, page === 1 ? 'list' : `list ${page}`);
      expect(text).toContain(expected);
      expect(text).not.toContain('…');
      for (const id of newestFirst) if (text.includes(`\`${shortIdOf(id)}\``)) seen.push(id);
      // Every title on the page is there whole, escaped.
      expect(text.match(/R&amp;D &lt;budget&gt; &amp; more/g)?.length).toBeGreaterThanOrEqual(7 * (page === 3 ? 17 : 20));
    }
    expect(seen).toEqual(newestFirst);
    expect(await reply(team, team.requester, 'list 4')).toContain('try `/approval list 3`');
    expect(await reply(team, team.requester, 'list two')).toContain('other than a page number');
  });
});

const { click, submit } = modalDriver(() => started);
const attached = (file: Record<string, unknown>) => ({ [INPUT_ACTION]: { type: 'file_input', files: [file] } });

describe('the largest workflow the schema allows (20 stages, 20 fields)', () => {
  it('is imported from an attached YAML file, exported as a file when too big for the editor, and imported again edited', async () => {
    const team = await setupTeam(started);
    const biggest = longestDefinition();
    const yaml = workflowToYaml(biggest);
    expect(yaml.length).toBeGreaterThan(3000 * 10);

    // Import: the paste box holds 3,000 characters; the file holds it all.
    const form = await click(team, team.admin, null, ADMIN_ACTIONS.importWorkflow, 'import', 'views.open');
    expect(form.text).toContain('"type":"file_input"');
    const empty = await submit(team, team.admin, form, {});
    expect(empty.json).toEqual({ response_action: 'errors', errors: { [ADMIN_BLOCKS.sourceFile]: 'Attach a YAML or JSON file, or paste a definition below.' } });
    const both = await submit(team, team.admin, form, { [ADMIN_BLOCKS.sourceFile]: attached(started.slack.addUserFile(team.admin, 'a.yaml', yaml)), [ADMIN_BLOCKS.source]: text('key: x') });
    expect((both.json?.errors as Record<string, string>)[ADMIN_BLOCKS.source]).toContain('not both');
    const imported = await submit(team, team.admin, form, { [ADMIN_BLOCKS.sourceFile]: attached(started.slack.addUserFile(team.admin, 'biggest.yaml', yaml)) });
    expect(imported.json?.response_action).toBe('update');
    expect(JSON.stringify(imported.json?.view)).toContain('v1');
    const v1 = await started.app.services.workflows.getVersion(team.teamId, biggest.key);
    expect(v1.definition).toEqual(biggest);

    // Edit: too big for Slack's modals, so its YAML arrives as a file in the admin's DM, and the modal says what to do.
    const before = started.slack.sharedFiles().length;
    const tooBig = await click(team, team.admin, null, ADMIN_ACTIONS.editWorkflow, biggest.key, 'views.open');
    expect(tooBig.callbackId).toBe(ADMIN_CALLBACKS.exportWorkflow);
    expect(tooBig.text).toContain(`I sent you its YAML as *${biggest.key}.yaml* in our DM`);
    expect(tooBig.text).toContain('attach it in *Import YAML/JSON*');
    const sent = await (async () => {
      for (let i = 0; i < 100 && started.slack.sharedFiles().length === before; i++) await new Promise((r) => setTimeout(r, 20));
      return started.slack.sharedFiles().at(-1);
    })();
    expect(sent?.channel).toBe(started.slack.dmChannelFor(team.admin));
    expect(sent?.file.name).toBe(`${biggest.key}.yaml`);
    const exported = sent?.file.content.toString('utf8') ?? '';
    expect(workflowFromText(exported)).toEqual(biggest);

    // The admin edits the file and attaches it again: a new version with the change.
    const edited = exported.replace(/^name: .*$/m, 'name: Biggest workflow, edited');
    const again = await click(team, team.admin, null, ADMIN_ACTIONS.importWorkflow, 'import', 'views.open');
    const republished = await submit(team, team.admin, again, { [ADMIN_BLOCKS.sourceFile]: attached(started.slack.addUserFile(team.admin, `${biggest.key}.yaml`, edited)) });
    expect(JSON.stringify(republished.json?.view)).toContain('Published *Biggest workflow, edited* v2');
    expect((await started.app.services.workflows.getVersion(team.teamId, biggest.key)).definition).toEqual({ ...biggest, name: 'Biggest workflow, edited' });
  });

  it('refuses a file the app cannot read as text, saying so under the file input', async () => {
    const team = await setupTeam(started);
    const form = await click(team, team.admin, null, ADMIN_ACTIONS.importWorkflow, 'import', 'views.open');
    const binary = await submit(team, team.admin, form, { [ADMIN_BLOCKS.sourceFile]: attached(started.slack.addUserFile(team.admin, 'photo.txt', Buffer.from([0xff, 0xfe, 0x00, 0xc3]))) });
    expect((binary.json?.errors as Record<string, string>)[ADMIN_BLOCKS.sourceFile]).toContain('is not a text file');
  });

  it('"Export YAML" in the editor sends the draft as a file; the too-big advice names it', async () => {
    const team = await setupTeam(started);
    const editor = await click(team, team.admin, null, ADMIN_ACTIONS.editWorkflow, 'purchase-order', 'views.open');
    const since = started.slack.sharedFiles().length;
    const exported = await click(team, team.admin, editor, ADMIN_ACTIONS.exportDraft, 'export', 'views.push');
    expect(exported.text).toContain('I sent it to you as *purchase-order.yaml* in our DM');
    const file = await (async () => {
      for (let i = 0; i < 100 && started.slack.sharedFiles().length === since; i++) await new Promise((r) => setTimeout(r, 20));
      return started.slack.sharedFiles().at(-1);
    })();
    expect(workflowFromText(file?.file.content.toString('utf8') ?? '').key).toBe('purchase-order');

    // A workflow that just fits the editor: adding a field would not, and the advice says what works.
    const base = (await started.app.services.workflows.getVersion(team.teamId, 'purchase-order')).definition;
    const extra = (k: number) => Array.from({ length: k }, (_, i) => ({ id: `extra_${i}`, label: 'L'.repeat(80), type: 'short_text' as const, required: false, showToReviewers: true, hint: 'h'.repeat(150) }));
    const candidate = (k: number, n: number) => ({ ...base, key: 'nearly-full', description: 'd'.repeat(n), fields: [...base.fields, ...extra(k)] });
    const fits = (definition: ReturnType<typeof candidate>) => {
      const draft = draftFromDefinition(definition, 1);
      return fitsMetadata(encodeDraft(draft)) && !fitsMetadata(encodeItemContext({ rootViewId: '', index: null, draft }));
    };
    let nearlyFull: ReturnType<typeof candidate> | undefined;
    for (let k = 0; k <= 12 && !nearlyFull; k++) {
      for (let n = 0; n <= WORKFLOW_LIMITS.descriptionLength && !nearlyFull; n++) if (fits(candidate(k, n))) nearlyFull = candidate(k, n);
    }
    if (!nearlyFull) throw new Error('no workflow size sits at the edge of the editor');
    await started.app.services.workflows.publish(team.teamId, team.admin, nearlyFull, slackOrigin(team.teamId));
    const full = await click(team, team.admin, null, ADMIN_ACTIONS.editWorkflow, 'nearly-full', 'views.open');
    expect(full.callbackId).toBe(ADMIN_CALLBACKS.workflow);
    const refused = await click(team, team.admin, full, ADMIN_ACTIONS.addField, 'add', 'views.push');
    expect(refused.text).toContain('click *Export YAML* in the editor: I send you the workflow as a YAML file');
    expect(refused.text).toContain('files of any size work there');
    expect(mark(started)).toBeGreaterThan(0);
  });
});
