import { describe, expect, it } from 'vitest';
import type { KnownBlock } from '@slack/types';
import { HOME_IDS, ADMIN_ACTIONS } from '../../blocks/admin/ids.ts';
import { homeView, HOME_SHOWN, type HomeContent } from '../../blocks/home.ts';
import type { PendingItem } from '../../src/domain/index.ts';
import { ACTION_IDS } from '../../blocks/ids.ts';
import { LIMITS } from '../../blocks/limits.ts';
import { cardActionValueSchema, decodeValue } from '../../blocks/values.ts';
import { MAX_TITLE_LENGTH, WORKFLOW_LIMITS } from '../../src/domain/index.ts';
import { formatProblem, validateView } from '../support/block-kit-validator.ts';
import { nasty, user } from './blocks-fixtures.ts';

const now = new Date('2026-11-21T09:00:00.000Z');
const uuid = (i: number): string => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;

function pending(i: number, overrides: Partial<PendingItem> = {}): PendingItem {
  return {
    submissionId: uuid(i), stageInstanceId: uuid(10_000 + i), workflowVersion: 3, workflowName: nasty(WORKFLOW_LIMITS.nameLength),
    title: nasty(MAX_TITLE_LENGTH), requesterId: user(i), stageName: nasty(WORKFLOW_LIMITS.stageNameLength), stepNumber: 20, stepCount: 20,
    approvals: 23, required: 24, dueAt: '2026-11-22T09:00:00.000Z', capacity: { kind: 'delegate', of: user(5000 + i), delegationId: uuid(20_000 + i) },
    ...overrides,
  };
}

/** The most a Home tab can hold: more pending items than shown, long titles everywhere, many workflows and roles. */
function longestContent(): HomeContent {
  return {
    userId: user(1),
    pending: Array.from({ length: 25 }, (_, i) => pending(i, i === 0 ? { dueAt: '2026-11-20T09:00:00.000Z', capacity: { kind: 'escalation' } } : {})),
    morePending: 480,
    requests: Array.from({ length: 10 }, (_, i) => ({
      id: uuid(30_000 + i), title: nasty(MAX_TITLE_LENGTH), workflowKey: 'k'.repeat(40), status: 'in_review' as const, createdAt: '2026-11-20T09:00:00.000Z',
      openStageNames: Array.from({ length: 20 }, () => nasty(WORKFLOW_LIMITS.stageNameLength)),
    })),
    delegations: Array.from({ length: 8 }, (_, i) => ({
      id: uuid(40_000 + i), direction: i % 2 === 0 ? 'out' as const : 'in' as const, otherUserId: user(7000 + i), startsAt: '2026-11-25T00:00:00.000Z', endsAt: '2026-12-25T00:00:00.000Z', workflowKey: 'k'.repeat(40),
    })),
    admin: {
      workflows: Array.from({ length: 100 }, (_, i) => ({ key: `w${i}${'k'.repeat(37)}`, name: nasty(WORKFLOW_LIMITS.nameLength), version: 999, active: i % 3 !== 0 })),
      roles: Array.from({ length: 100 }, (_, i) => ({ name: `r${i}${'r'.repeat(37)}`, slackUsergroupId: 'S0123456789', members: Array.from({ length: 500 }, (_, j) => user(j)) })),
    },
  };
}

const actionsOf = (blocks: readonly KnownBlock[]) => blocks.flatMap((b) => (b.type === 'actions' ? [b] : []));
const text = (blocks: readonly KnownBlock[]) => JSON.stringify(blocks);

describe('homeView', () => {
  it('renders the fullest Home tab within Slack limits', () => {
    const view = homeView(longestContent(), now);
    expect(validateView(view).map(formatProblem)).toEqual([]);
    expect(view.blocks.length).toBeLessThanOrEqual(LIMITS.VIEW_BLOCKS);
    expect(text(view.blocks)).toContain('Waiting for you (505)');
    expect(text(view.blocks)).toContain('485 more');
  });

  it('gives every pending item the reviewer card buttons, with a value the card handlers decode', () => {
    const content = longestContent();
    const view = homeView(content, now);
    const pendingActions = actionsOf(view.blocks).filter((b) => b.block_id?.startsWith('home.pending.'));
    expect(pendingActions).toHaveLength(HOME_SHOWN.pending);
    const first = pendingActions[0];
    expect(first?.block_id).toBe(HOME_IDS.pendingActions(uuid(10_000)));
    const ids = first?.elements.map((e) => ('action_id' in e ? e.action_id : null));
    expect(ids).toEqual([ACTION_IDS.approve, ACTION_IDS.reject, ACTION_IDS.requestChanges, ACTION_IDS.delegate, ACTION_IDS.comment]);
    const button = first?.elements[0];
    const value = button && 'value' in button ? button.value : undefined;
    expect(decodeValue(cardActionValueSchema, value)).toEqual({ s: uuid(0), i: uuid(10_000), v: 3 });
    // Block ids must be unique within a view.
    const blockIds = view.blocks.flatMap((b) => (b.block_id ? [b.block_id] : []));
    expect(new Set(blockIds).size).toBe(blockIds.length);
  });

  it('says why the reader may decide and when an item is overdue', () => {
    const view = homeView(longestContent(), now);
    expect(text(view.blocks)).toContain('escalated to you');
    expect(text(view.blocks)).toContain('overdue by 1 day');
    expect(text(view.blocks)).toContain(`as delegate of <@${user(5001)}>`);
  });

  it('shows an empty Home kindly, and hides admin tools from non-admins', () => {
    const view = homeView({ userId: user(1), pending: [], morePending: 0, requests: [], delegations: [], admin: null }, now);
    expect(validateView(view).map(formatProblem)).toEqual([]);
    expect(text(view.blocks)).toContain('Nothing is waiting for your decision');
    expect(text(view.blocks)).toContain('/approval new');
    expect(text(view.blocks)).toContain('/approval delegate');
    expect(text(view.blocks)).not.toContain(ADMIN_ACTIONS.newWorkflow);
    expect(text(view.blocks)).not.toContain(HOME_IDS.revokeDelegations);
  });

  it('offers admins the workflow Edit buttons and the admin tools', () => {
    const view = homeView(longestContent(), now);
    const blocks: KnownBlock[] = view.blocks;
    const editButtons = blocks.filter((b) => b.type === 'section' && b.accessory && 'action_id' in b.accessory && b.accessory.action_id === ADMIN_ACTIONS.editWorkflow);
    expect(editButtons).toHaveLength(15);
    const tools = actionsOf(view.blocks).flatMap((b) => b.elements.map((e) => ('action_id' in e ? e.action_id : '')));
    expect(tools).toEqual(expect.arrayContaining([ADMIN_ACTIONS.newWorkflow, ADMIN_ACTIONS.importWorkflow, ADMIN_ACTIONS.roles, ADMIN_ACTIONS.managers, ADMIN_ACTIONS.admins, HOME_IDS.revokeDelegations]));
  });
});
