import { describe, expect, it } from 'vitest';
import type { KnownBlock, ModalView } from '@slack/types';
import { adminsModal, managerModal, roleModal, rolesModal } from '../../blocks/admin/directory-modals.ts';
import {
  decodeDraft, decodeItemContext, draftFromDefinition, encodeItemContext, idFromLabel, moveUp, parseItemValue, sortStages,
} from '../../blocks/admin/draft.ts';
import { exportModal, importModal, noticeModal, publishedText } from '../../blocks/admin/export.ts';
import { fieldModal } from '../../blocks/admin/field-modal.ts';
import { ADMIN_ACTIONS, ADMIN_BLOCKS, ADMIN_CALLBACKS } from '../../blocks/admin/ids.ts';
import { adminMenuModal } from '../../blocks/admin/menu.ts';
import { previewModal, previewResultModal } from '../../blocks/admin/preview.ts';
import { stageModal } from '../../blocks/admin/stage-modal.ts';
import { editorView, workflowEditorModal } from '../../blocks/admin/workflow-editor.ts';
import { LIMITS } from '../../blocks/limits.ts';
import { parseWorkflowDefinition, workflowToYaml, WORKFLOW_LIMITS } from '../../src/domain/index.ts';
import { formatProblem, validateView } from '../support/block-kit-validator.ts';
import { purchaseOrderWorkflow } from '../fixtures/workflows.ts';
import { longestDefinition, longestValues, nasty, user } from './blocks-fixtures.ts';

function expectValid(view: ModalView, options: { ignoreMetadata?: boolean } = {}): void {
  const checked = options.ignoreMetadata ? { ...view, private_metadata: '' } : view;
  expect(validateView(checked).map(formatProblem)).toEqual([]);
  expect(view.blocks.length).toBeLessThanOrEqual(LIMITS.VIEW_BLOCKS);
}
const text = (blocks: readonly unknown[]): string => JSON.stringify(blocks);
/** Builders only emit known blocks; the view type also allows Slack's generic Block. */
const known = (view: ModalView): KnownBlock[] => view.blocks as KnownBlock[];
const accessoryIds = (view: ModalView): string[] =>
  known(view).flatMap((b) => (b.type === 'section' && b.accessory && 'action_id' in b.accessory && b.accessory.action_id ? [b.accessory.action_id] : []));
const buttonIds = (view: ModalView): string[] =>
  known(view).flatMap((b) => (b.type === 'actions' ? b.elements.flatMap((e) => ('action_id' in e && e.action_id ? [e.action_id] : [])) : []));

const purchaseOrder = () => parseWorkflowDefinition(purchaseOrderWorkflow({ cfo: user(42) }));

describe('workflow editor', () => {
  it('lays out the largest workflow (20 fields, 20 stages, long names) within Block Kit limits', () => {
    const definition = longestDefinition();
    const view = editorView(draftFromDefinition(definition, 7), 'x', { problems: Array.from({ length: 30 }, () => nasty(300)) });
    expectValid(view);
    const menus = accessoryIds(view);
    expect(menus.filter((id) => id === ADMIN_ACTIONS.fieldMenu)).toHaveLength(WORKFLOW_LIMITS.fields);
    expect(menus.filter((id) => id === ADMIN_ACTIONS.stageMenu)).toHaveLength(WORKFLOW_LIMITS.stages);
    // At the limits there is nothing more to add, but preview and export stay.
    expect(buttonIds(view)).toEqual([ADMIN_ACTIONS.previewRouting, ADMIN_ACTIONS.exportDraft]);
  });

  it('carries a draft that fits in private_metadata and reads it back unchanged', () => {
    const draft = draftFromDefinition(purchaseOrder(), 2);
    const view = workflowEditorModal(draft);
    expectValid(view);
    expect(view.callback_id).toBe(ADMIN_CALLBACKS.workflow);
    expect(view.submit?.text).toBe('Publish');
    expect(decodeDraft(view.private_metadata)).toEqual(draft);
    expect(text(view.blocks)).toContain('Publishing makes v3');
    expect(buttonIds(view)).toEqual([ADMIN_ACTIONS.addField, ADMIN_ACTIONS.addStage, ADMIN_ACTIONS.previewRouting, ADMIN_ACTIONS.exportDraft]);
  });

  it('says when a workflow is too big for the modals and shows its YAML for import instead', () => {
    const view = workflowEditorModal(draftFromDefinition(longestDefinition(), 1));
    expectValid(view);
    expect(view.callback_id).toBe(ADMIN_CALLBACKS.exportWorkflow);
    expect(text(view.blocks)).toContain('too big to edit');
    expect(text(view.blocks)).toContain('Import YAML/JSON');
    expect(text(view.blocks)).toContain('```');
  });
});

describe('stage and field modals', () => {
  it('renders the stage modal for the largest stage and draft, with every option list capped', () => {
    const draft = draftFromDefinition(longestDefinition(), 1);
    draft.stages[19] = { ...draft.stages[19]!, condition: { combine: 'all', clauses: Array.from({ length: 10 }, () => ({ field: 'field_0', operator: 'in' as const, value: Array.from({ length: 50 }, () => 'v'.repeat(200)) })) }, escalateTo: [{ type: 'role', role: 'cfo' }, { type: 'user', userId: user(3) }] };
    const roles = Array.from({ length: 150 }, (_, i) => `role_${i}_${'x'.repeat(30)}`);
    const view = stageModal({ rootViewId: 'V1', index: 19, draft }, roles);
    expectValid(view, { ignoreMetadata: true });
    expect(view.callback_id).toBe(ADMIN_CALLBACKS.stage);
    expect(text(view.blocks)).toContain('more clause(s) set in YAML');
    expect(text(view.blocks)).toContain('1 role or dynamic target(s)');
  });

  it('prefills the stage modal from an existing stage and keeps its place in the metadata', () => {
    const draft = draftFromDefinition(purchaseOrder(), 1);
    const view = stageModal({ rootViewId: 'V123', index: 1, draft }, ['finance']);
    expectValid(view);
    expect(decodeItemContext(view.private_metadata)).toEqual({ rootViewId: 'V123', index: 1, draft });
    const rule = view.blocks.find((b) => b.block_id === ADMIN_BLOCKS.stageRule);
    expect(text(rule ? [rule] : [])).toContain('"initial_option":{"text":{"type":"plain_text","text":"At least a minimum number"');
    expect(text(view.blocks)).toContain('"initial_value":"2"');
  });

  it('asks for a role list only when roles exist', () => {
    const draft = draftFromDefinition(purchaseOrder(), 1);
    const view = stageModal({ rootViewId: 'V1', index: null, draft: { ...draft, stages: [] } }, []);
    expectValid(view);
    expect(view.blocks.some((b) => b.block_id === ADMIN_BLOCKS.stageRoles)).toBe(false);
    expect(text(view.blocks)).toContain('No roles yet');
  });

  it('renders the field modal for the longest field and keeps over-long choices out of the text box', () => {
    const draft = draftFromDefinition(longestDefinition(), 1);
    const selectIndex = draft.fields.findIndex((f) => f.type === 'single_select');
    const view = fieldModal({ rootViewId: 'V1', index: selectIndex, draft });
    expectValid(view, { ignoreMetadata: true });
    expect(view.blocks.some((b) => b.block_id === ADMIN_BLOCKS.fieldOptions)).toBe(false);
    expect(text(view.blocks)).toContain('too long to edit here');
    const empty = fieldModal({ rootViewId: 'V1', index: null, draft: draftFromDefinition(purchaseOrder(), 1) });
    expectValid(empty);
    expect(empty.blocks.some((b) => b.block_id === ADMIN_BLOCKS.fieldOptions)).toBe(true);
  });
});

describe('preview, import and export', () => {
  it('asks sample values for every field of the largest workflow', () => {
    const view = previewModal(longestDefinition(), 'x'.repeat(LIMITS.PRIVATE_METADATA), user(1));
    expectValid(view);
    expect(view.blocks.filter((b) => b.type === 'input')).toHaveLength(WORKFLOW_LIMITS.fields + 1);
  });

  it('shows a 20-stage route with 25 people each', () => {
    const definition = longestDefinition();
    const view = previewResultModal(definition, {
      fields: longestValues(definition),
      requesterId: user(1),
      steps: definition.stages.map((s) => ({ step: s.step, stages: [{ name: s.name, people: Array.from({ length: 25 }, (_, i) => user(i)), required: 24, problem: null }, { name: s.name, people: [], required: 1, problem: nasty(500) }] })),
      skipped: definition.stages.map((s) => ({ name: s.name })),
    });
    expectValid(view);
    expect(text(view.blocks)).toContain('needs 24 of 25');
  });

  it('exports the largest workflow as YAML code blocks within limits', () => {
    const yaml = workflowToYaml(longestDefinition());
    const view = exportModal(nasty(80), 12, yaml, { sent: true, filename: 'k.yaml' });
    expectValid(view);
    expect(view.blocks.length).toBeGreaterThan(3);
    const shown = known(view).slice(1).map((b) => (b.type === 'section' ? b.text?.text ?? '' : '')).join('\n').replace(/```/g, '');
    expect(shown.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&').replace(/\n/g, '')).toBe(yaml.replace(/\n/g, ''));
  });

  it('renders the import form and the notices', () => {
    expectValid(importModal('x'.repeat(5000)));
    expectValid(noticeModal(nasty(100), publishedText(nasty(80), 3)));
    expect(publishedText('Purchase order', 3)).toContain('Published *Purchase order* v3');
  });
});

describe('roles, managers, admins and the admin menu', () => {
  const roles = Array.from({ length: 200 }, (_, i) => ({ name: `role_${i}`, description: nasty(200), slackUsergroupId: i % 2 ? 'S0123' : null, members: Array.from({ length: 300 }, (_, j) => user(j)) }));

  it('lists many roles within limits', () => {
    const view = rolesModal(roles);
    expectValid(view);
    expect(text(view.blocks)).toContain('more roles');
  });

  it('edits a role with many members and user groups', () => {
    const groups = Array.from({ length: 150 }, (_, i) => ({ id: `S${i}`, handle: `group-${i}-${'h'.repeat(80)}` }));
    expectValid(roleModal(roles[1] ?? null, groups));
    const withoutGroups = roleModal(null, []);
    expectValid(withoutGroups);
    expect(text(withoutGroups.blocks)).toContain('plain_text_input');
  });

  it('manager and admin modals are valid, and the manager box follows the person picked', () => {
    const a = managerModal(user(1), user(2));
    const b = managerModal(user(3), null);
    expectValid(a);
    expectValid(adminsModal([]));
    // The most admins a workspace could have still fits one modal, each granted one with its Remove button.
    const many = adminsModal(Array.from({ length: 500 }, (_, i) => ({ userId: user(i), fromConfig: i < 3 })));
    expectValid(many);
    expect(text(many.blocks)).toContain('more admins');
    expect(many.blocks.filter((x) => 'accessory' in x && x.accessory !== undefined)).toHaveLength(LIMITS.VIEW_BLOCKS - 4 - 3);
    expect(a.blocks.some((x) => x.block_id === ADMIN_BLOCKS.managerOf(user(1)))).toBe(true);
    expect(b.blocks.some((x) => x.block_id === ADMIN_BLOCKS.managerOf(user(3)))).toBe(true);
  });

  it('admin menu lists up to 15 workflows with Edit and names the rest', () => {
    const workflows = Array.from({ length: 100 }, (_, i) => ({ key: `wf-${i}`, name: nasty(80), version: i + 1, active: true }));
    const view = adminMenuModal(workflows, roles);
    expectValid(view);
    expect(accessoryIds(view).filter((id) => id === ADMIN_ACTIONS.editWorkflow)).toHaveLength(15);
    expect(text(view.blocks)).toContain('`wf-99`');
  });
});

describe('draft helpers', () => {
  it('makes ids from labels, unique and valid', () => {
    expect(idFromLabel('Finance review', [], 'stage')).toBe('finance_review');
    expect(idFromLabel('Finance review', ['finance_review'], 'stage')).toBe('finance_review_2');
    expect(idFromLabel('2nd look!', [], 'stage')).toBe('stage_2nd_look');
    expect(idFromLabel('😀', [], 'field')).toBe('field');
    expect(idFromLabel('x'.repeat(80), [], 'field')).toHaveLength(36);
  });

  it('moves, sorts and reads menu values', () => {
    expect(moveUp(['a', 'b', 'c'], 2)).toEqual(['a', 'c', 'b']);
    expect(moveUp(['a', 'b'], 0)).toEqual(['a', 'b']);
    const stages = purchaseOrder().stages;
    expect(sortStages([stages[2]!, stages[0]!, stages[1]!]).map((s) => s.id)).toEqual(['manager', 'finance', 'cfo']);
    expect(parseItemValue('edit:3')).toEqual({ verb: 'edit', index: 3 });
    expect(parseItemValue('drop:3')).toBeNull();
    expect(parseItemValue(undefined)).toBeNull();
  });

  it('refuses metadata that is not a draft', () => {
    expect(decodeDraft('not json')).toBeNull();
    expect(decodeDraft(JSON.stringify({ stages: [{ id: 'BAD' }] }))).toBeNull();
    expect(decodeItemContext(encodeItemContext({ rootViewId: 'V1', index: null, draft: draftFromDefinition(purchaseOrder(), 1) }))?.rootViewId).toBe('V1');
  });
});
