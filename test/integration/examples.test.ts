/**
 * The workflows in examples/ are imported as an admin imports them (the YAML text) and route requests as
 * their comments say.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IMPORT_MAX } from '../../blocks/admin/export.ts';
import { openStages, type SubmissionState } from '../../src/domain/index.ts';
import { createTestApp, slackOrigin, uniqueUserId, type TestApp } from '../support/db.ts';

const examplesDir = new URL('../../examples/', import.meta.url);
const example = (name: string): string => readFileSync(new URL(name, examplesDir), 'utf8');

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.orm.close());

const meta = () => slackOrigin(t.teamId);
const people = (...labels: string[]): string[] => labels.map((label) => uniqueUserId(label));
const open = (state: SubmissionState): { stageId: string; pool: readonly string[]; required: number }[] =>
  openStages(state).map((s) => ({ stageId: s.stageId, pool: [...s.pool].sort(), required: s.required }));
const stageOf = (state: SubmissionState, stageId: string) => state.stages.find((s) => s.stageId === stageId && s.status === 'open');

let keys = 0;
async function decide(state: SubmissionState, actorId: string, kind: 'approve' | 'request_changes' = 'approve', reason?: string): Promise<SubmissionState> {
  const outcome = await t.services.decisions.decide({ teamId: t.teamId, submissionId: state.id, actorId, kind, idempotencyKey: `example-${keys++}`, ...(reason ? { reason } : {}) }, meta());
  expect(outcome.result).toBe('accepted');
  return t.services.submissions.get(t.teamId, state.id);
}

describe('examples/', () => {
  it('holds the four documented workflows, each of which imports as YAML', async () => {
    const files = readdirSync(examplesDir).filter((f) => f.endsWith('.yml')).sort();
    expect(files).toEqual(['access-request.yml', 'content-review.yml', 'contract.yml', 'purchase-order.yml']);
    for (const file of files) {
      const published = await t.services.workflows.publish(t.teamId, t.admin, example(file), meta());
      expect(`${published.key}.yml`).toBe(file);
      expect(example(file)).toMatch(/^# \S/);
      // It fits the text box of /approval admin → Import YAML/JSON.
      expect(example(file).length).toBeLessThanOrEqual(IMPORT_MAX);
    }
  });

  it('purchase-order: manager, then two of finance; the CFO only from 10,000', async () => {
    const [requester, manager, f1, f2, f3, cfo] = people('REQ', 'MGR', 'FIN', 'FIN', 'FIN', 'CFO') as [string, string, string, string, string, string];
    await t.services.directory.setRole(t.teamId, t.admin, { name: 'finance', members: [f1, f2, f3] }, meta());
    await t.services.directory.setRole(t.teamId, t.admin, { name: 'cfo', members: [cfo] }, meta());
    await t.services.directory.setManager(t.teamId, t.admin, requester, manager, meta());
    await t.services.workflows.publish(t.teamId, t.admin, example('purchase-order.yml'), meta());

    let big = await t.services.submissions.submit({ teamId: t.teamId, workflowKey: 'purchase-order', requesterId: requester, title: 'Servers', fields: { vendor: 'Acme', amount: 12_000, cost_center: 'Engineering' } }, meta());
    expect(open(big)).toEqual([{ stageId: 'manager', pool: [manager], required: 1 }]);
    big = await decide(big, manager);
    expect(open(big)).toEqual([{ stageId: 'finance', pool: [f1, f2, f3].sort(), required: 2 }]);
    big = await decide(big, f1);
    expect(open(big).map((s) => s.stageId)).toEqual(['finance']);
    big = await decide(big, f2);
    expect(open(big)).toEqual([{ stageId: 'cfo', pool: [cfo], required: 1 }]);
    big = await decide(big, cfo);
    expect(big.status).toBe('approved');

    let small = await t.services.submissions.submit({ teamId: t.teamId, workflowKey: 'purchase-order', requesterId: requester, title: 'Cables', fields: { vendor: 'Acme', amount: 500, cost_center: 'Sales' } }, meta());
    small = await decide(await decide(await decide(small, manager), f1), f3);
    expect(small.status).toBe('approved');
    // The CFO never saw it: the stage was skipped, never opened.
    expect(small.stages.map((s) => s.stageId)).not.toContain('cfo');
    expect(big.stages.map((s) => s.stageId)).toContain('cfo');
  });

  it('access-request: the owner on the form decides within 4 h, then it escalates to it_security; production also needs security', async () => {
    const [requester, owner, security] = people('REQ', 'OWN', 'SEC') as [string, string, string];
    await t.services.directory.setRole(t.teamId, t.admin, { name: 'it_security', members: [security] }, meta());
    await t.services.workflows.publish(t.teamId, t.admin, example('access-request.yml'), meta());

    const github = await t.services.submissions.submit({ teamId: t.teamId, workflowKey: 'access-request', requesterId: requester, title: 'GitHub org', fields: { system: 'GitHub', owner, reason: 'New hire' } }, meta());
    expect(open(github)).toEqual([{ stageId: 'owner', pool: [owner], required: 1 }]);
    const ownerStage = stageOf(github, 'owner');
    expect(new Date(ownerStage?.dueAt ?? 0).getTime() - new Date(ownerStage?.openedAt ?? 0).getTime()).toBe(4 * 3600_000);

    // The SLA passes with nobody deciding: the stage escalates to it_security, who may then decide.
    t.clock.now = new Date(t.clock.now.getTime() + 5 * 3600_000);
    const { submission: escalated } = await t.services.decisions.decide({ kind: 'timeout', teamId: t.teamId, submissionId: github.id, stageInstanceId: ownerStage?.id ?? '' }, meta());
    expect(stageOf(escalated as SubmissionState, 'owner')?.escalatedAt).not.toBeNull();
    const approved = await decide(escalated as SubmissionState, security);
    expect(approved.status).toBe('approved');

    let production = await t.services.submissions.submit({ teamId: t.teamId, workflowKey: 'access-request', requesterId: requester, title: 'Prod', fields: { system: 'AWS production', owner, reason: 'On call' } }, meta());
    production = await decide(production, owner);
    expect(open(production)).toEqual([{ stageId: 'security', pool: [security], required: 1 }]);
    expect((await decide(production, security)).status).toBe('approved');
  });

  it('content-review: an editor asks for changes, the author revises, the revision is approved', async () => {
    const [author, editor] = people('AUTH', 'EDIT') as [string, string];
    await t.services.directory.setRole(t.teamId, t.admin, { name: 'editors', members: [editor] }, meta());
    await t.services.workflows.publish(t.teamId, t.admin, example('content-review.yml'), meta());

    const draft = await t.services.submissions.submit({ teamId: t.teamId, workflowKey: 'content-review', requesterId: author, title: 'Launch post', fields: { link: 'https://docs.example.com/draft', channel: 'Blog' } }, meta());
    expect(open(draft)).toEqual([{ stageId: 'editor', pool: [editor], required: 1 }]);
    const returned = await decide(draft, editor, 'request_changes', 'Shorten the intro');
    expect(returned.status).toBe('changes_requested');

    const revision = await t.services.submissions.submit({ teamId: t.teamId, workflowKey: 'content-review', requesterId: author, title: 'Launch post (v2)', fields: { link: 'https://docs.example.com/draft-2', channel: 'Blog' }, predecessorId: draft.id }, meta());
    expect(revision.predecessorId).toBe(draft.id);
    expect(open(revision)).toEqual([{ stageId: 'editor', pool: [editor], required: 1 }]);
    expect((await decide(revision, editor)).status).toBe('approved');
  });

  it('contract: after the manager, legal and security review at the same time and both must approve', async () => {
    const [requester, manager, lawyer, security] = people('REQ', 'MGR', 'LAW', 'SEC') as [string, string, string, string];
    await t.services.directory.setRole(t.teamId, t.admin, { name: 'legal', members: [lawyer] }, meta());
    await t.services.directory.setRole(t.teamId, t.admin, { name: 'security', members: [security] }, meta());
    await t.services.directory.setManager(t.teamId, t.admin, requester, manager, meta());
    await t.services.workflows.publish(t.teamId, t.admin, example('contract.yml'), meta());

    let contract = await t.services.submissions.submit({ teamId: t.teamId, workflowKey: 'contract', requesterId: requester, title: 'Acme MSA', fields: { counterparty: 'Acme', value: 50_000, document: 'https://docs.example.com/msa', handles_personal_data: 'Yes' } }, meta());
    contract = await decide(contract, manager);
    expect(open(contract).sort((a, b) => a.stageId.localeCompare(b.stageId))).toEqual([
      { stageId: 'legal', pool: [lawyer], required: 1 },
      { stageId: 'security', pool: [security], required: 1 },
    ]);
    contract = await decide(contract, lawyer);
    expect(open(contract).map((s) => s.stageId)).toEqual(['security']);
    expect((await decide(contract, security)).status).toBe('approved');
  });
});
