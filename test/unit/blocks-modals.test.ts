import type { ModalView } from '@slack/types';
import { describe, expect, it } from 'vitest';
import { historyMessage, helpMessage, problemMessage, requestListMessage, statusMessage } from '../../blocks/command-replies.ts';
import { decisionModal, withdrawModal } from '../../blocks/decision-modals.ts';
import { BLOCK_IDS, fieldBlockId } from '../../blocks/ids.ts';
import { LIMITS } from '../../blocks/limits.ts';
import { MODAL_DECISION_KINDS, decisionModalMetadataSchema, decodeMetadata, requestModalMetadataSchema } from '../../blocks/metadata.ts';
import { infoModal, requestModal } from '../../blocks/request-modal.ts';
import type { AuditRow } from '../../src/domain/index.ts';
import { formatProblem, validateBlocks, validateView } from '../support/block-kit-validator.ts';
import { longestDefinition, longestState, nasty, user } from './blocks-fixtures.ts';

const now = new Date('2026-11-21T09:00:00.000Z');
const expectValidView = (view: ModalView) => {
  expect(validateView(view).map(formatProblem)).toEqual([]);
  expect((view.private_metadata ?? '').length).toBeLessThanOrEqual(LIMITS.PRIVATE_METADATA);
};

describe('requestModal', () => {
  const workflows = Array.from({ length: 150 }, (_, i) => ({ key: `wf-${i}`, name: `${i} ${nasty(78)}` }));

  it('shows only the picker before a workflow is chosen, with no submit button', () => {
    const view = requestModal({ workflows });
    expectValidView(view);
    expect(view.submit).toBeUndefined();
    expect(view.blocks.map((b) => b.block_id)).toEqual([BLOCK_IDS.workflowPicker]);
  });

  it('renders the longest form pre-filled with the longest answers, every field under its own block id', () => {
    const { state, definition } = longestState();
    const view = requestModal({ workflows, selected: { key: definition.key, version: 99, definition }, prefill: { title: state.title, fields: state.fields }, notice: nasty(500) });
    expectValidView(view);
    const ids = view.blocks.map((b) => b.block_id);
    for (const field of definition.fields) expect(ids).toContain(fieldBlockId(field.id));
    expect(decodeMetadata(requestModalMetadataSchema, view.private_metadata)).toEqual({ k: definition.key, v: 99, p: null });
    expect(JSON.stringify(view.blocks)).toContain('"initial_user"');
  });

  it('keeps the workflow when revising and remembers the request it revises', () => {
    const { state, definition } = longestState(longestDefinition());
    const view = requestModal({ workflows: [], selected: { key: definition.key, version: 1, definition }, prefill: state, predecessorId: state.id });
    expectValidView(view);
    expect(view.blocks.some((b) => b.block_id === BLOCK_IDS.workflowPicker)).toBe(false);
    expect(decodeMetadata(requestModalMetadataSchema, view.private_metadata)?.p).toBe(state.id);
  });

  it('explains when there is nothing to submit to', () => {
    const view = requestModal({ workflows: [] });
    expectValidView(view);
    expect(JSON.stringify(view.blocks)).toContain('no workflows');
  });
});

describe('decision and withdraw modals', () => {
  it('fit the longest title and stage name for every kind, with a person picker only for delegate', () => {
    const { state, lastStage } = longestState();
    for (const kind of MODAL_DECISION_KINDS) {
      const metadata = { kind, s: state.id, i: lastStage.id, v: 3, c: 'D0123456789', t: '1763800000.000100' };
      const view = decisionModal({ metadata, title: state.title, requesterId: state.requesterId, stageName: lastStage.name });
      expectValidView(view);
      expect(decodeMetadata(decisionModalMetadataSchema, view.private_metadata)).toEqual(metadata);
      expect(view.blocks.some((b) => b.block_id === BLOCK_IDS.delegateTo)).toBe(kind === 'delegate');
    }
    expectValidView(withdrawModal({ submissionId: state.id, title: state.title, status: 'In review' }));
    expectValidView(infoModal(nasty(100), nasty(5000)));
  });
});

describe('command replies', () => {
  it('stay within message limits for the longest inputs', () => {
    const { state, definition } = longestState();
    const replies = [
      problemMessage(nasty(5000), 'Try `/approval help`.'),
      helpMessage(Array.from({ length: 12 }, (_, i) => ({ usage: `cmd${i} <id> [x]`, summary: nasty(300) }))),
      requestListMessage({ rows: Array.from({ length: 20 }, (_, i) => ({ id: state.id, title: nasty(150), workflowKey: `k${i}`.padEnd(40, 'k'), status: 'in_review' as const, createdAt: now })), total: 57, page: 1, perPage: 20 }),
      requestListMessage({ rows: [], total: 0, page: 1, perPage: 20 }),
      requestListMessage({ rows: [], total: 57, page: 9, perPage: 20 }),
      statusMessage({ submission: state, definition, now, viewerId: state.requesterId }),
      statusMessage({ submission: state, definition, now, viewerId: user(1) }),
    ];
    for (const reply of replies) {
      expect(validateBlocks(reply.blocks, 'message').map(formatProblem)).toEqual([]);
      expect(reply.text.length).toBeLessThanOrEqual(LIMITS.MESSAGE_TEXT);
    }
  });

  it('lists twenty of the longest titles whole, however much escaping grows them, and says how many there are', () => {
    const uuid = (i: number) => `${String(i).padStart(8, '0')}-0000-4000-8000-000000000000`;
    const title = `${'&<>'.repeat(50)}`;
    const reply = requestListMessage({ rows: Array.from({ length: 20 }, (_, i) => ({ id: uuid(i), title, workflowKey: 'k'.repeat(40), status: 'in_review' as const, createdAt: now })), total: 57, page: 2, perPage: 20 });
    expect(validateBlocks(reply.blocks, 'message').map(formatProblem)).toEqual([]);
    const text = JSON.stringify(reply.blocks);
    for (let i = 0; i < 20; i++) expect(text).toContain(`\`${String(i).padStart(8, '0')}\` *${'&amp;&lt;&gt;'.repeat(50)}*`);
    expect(text).not.toContain('…');
    expect(text).toContain('Showing 21–40 of 57.');
    expect(text).toContain('`/approval list 3` shows the next 17');
  });

  it('fits a long audit history by keeping the latest entries', () => {
    const { state, lastStage } = longestState();
    const row = (i: number): AuditRow => ({
      chainId: state.teamId, seq: i, eventId: `e${i}`, type: 'decision.commented', teamId: state.teamId, submissionId: state.id, workflowKey: state.workflowKey,
      workflowVersion: 1, stageInstanceId: lastStage.id, stageId: lastStage.stageId, actorId: user(i), capacity: { kind: 'delegate', of: user(i + 1), delegationId: null },
      reason: nasty(2000), details: {}, origin: { kind: 'system', component: 'test' }, correlationId: null, traceId: null, schemaVersion: 1,
      occurredAt: new Date(now.getTime() + i * 1000).toISOString(), prevHash: '', hash: '',
    });
    const rows = Array.from({ length: 600 }, (_, i) => row(i));
    const reply = historyMessage({ submission: state, rows });
    expect(validateBlocks(reply.blocks, 'message').map(formatProblem)).toEqual([]);
    expect(reply.blocks.length).toBeLessThanOrEqual(LIMITS.MESSAGE_BLOCKS);
    const text = JSON.stringify(reply.blocks);
    expect(text).toContain('Older entries left out');
    expect(text).toContain(`<@${user(599)}>`);
    expect(text).not.toContain(`<@${user(0)}> commented`);
  });
});
