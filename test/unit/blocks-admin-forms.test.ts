import { describe, expect, it } from 'vitest';
import { draftFromDefinition } from '../../blocks/admin/draft.ts';
import { ADMIN_BLOCKS, DYNAMIC_APPROVER, INPUT_ACTION } from '../../blocks/admin/ids.ts';
import { parseWorkflowDefinition } from '../../src/domain/index.ts';
import { readFieldForm, readStageForm, withField, withStage } from '../../src/slack/listeners/admin/item-forms.ts';
import type { StateValues } from '../../src/slack/listeners/admin/admin-payload.ts';
import { purchaseOrderWorkflow } from '../fixtures/workflows.ts';

const draft = () => draftFromDefinition(parseWorkflowDefinition(purchaseOrderWorkflow({ cfo: 'UCFO0001' })), 1);
type Element = StateValues[string][string];
const state = (entries: Record<string, Partial<Element>>): StateValues =>
  Object.fromEntries(Object.entries(entries).map(([block, element]) => [block, { [INPUT_ACTION]: { type: 'x', ...element } }]));

describe('reading the stage modal', () => {
  it('builds a stage from people, roles, the manager, a quorum, deadlines and a condition', () => {
    const values = state({
      [ADMIN_BLOCKS.stageName]: { value: 'Legal review' },
      [ADMIN_BLOCKS.stageStep]: { value: '2' },
      [ADMIN_BLOCKS.stageUsers]: { selected_users: ['ULEGAL001'] },
      [ADMIN_BLOCKS.stageRoles]: { selected_options: [{ value: 'finance' }] },
      [ADMIN_BLOCKS.stageDynamic]: { selected_options: [{ value: DYNAMIC_APPROVER.manager }] },
      [ADMIN_BLOCKS.stageRule]: { selected_option: { value: 'at_least' } },
      [ADMIN_BLOCKS.stageMinimum]: { value: '2' },
      [ADMIN_BLOCKS.stageSla]: { value: '12.5' },
      [ADMIN_BLOCKS.stageReminder]: { value: '4' },
      [ADMIN_BLOCKS.stageTimeout]: { selected_option: { value: 'auto_reject' } },
      [ADMIN_BLOCKS.conditionField]: { selected_option: { value: 'amount' } },
      [ADMIN_BLOCKS.conditionOperator]: { selected_option: { value: 'in' } },
      [ADMIN_BLOCKS.conditionValue]: { value: '100, 200' },
    });
    const result = readStageForm(values, draft(), null);
    expect(result).toEqual({
      ok: true,
      value: {
        id: 'legal_review', name: 'Legal review', step: 2,
        approvers: [{ type: 'user', userId: 'ULEGAL001' }, { type: 'role', role: 'finance' }, { type: 'manager' }],
        rule: { kind: 'at_least', count: 2 }, slaHours: 12.5, reminderEveryHours: 4, onTimeout: 'auto_reject',
        condition: { combine: 'all', clauses: [{ field: 'amount', operator: 'in', value: [100, 200] }] },
      },
    });
    if (!result.ok) return;
    const next = withStage(draft(), null, result.value);
    expect(next.stages.map((s) => s.id)).toEqual(['manager', 'finance', 'legal_review', 'cfo']);
  });

  it('explains what is missing under the right inputs', () => {
    const result = readStageForm(state({
      [ADMIN_BLOCKS.stageName]: { value: '' },
      [ADMIN_BLOCKS.stageRule]: { selected_option: { value: 'at_least' } },
      [ADMIN_BLOCKS.stageSla]: { value: '-1' },
      [ADMIN_BLOCKS.conditionField]: { selected_option: { value: 'vendor' } },
    }), draft(), null);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(Object.keys(result.errors).sort()).toEqual([
      ADMIN_BLOCKS.conditionValue, ADMIN_BLOCKS.stageMinimum, ADMIN_BLOCKS.stageName, ADMIN_BLOCKS.stageSla, ADMIN_BLOCKS.stageUsers,
    ].sort());
    expect(result.errors[ADMIN_BLOCKS.stageUsers]).toContain('at least one approver');
  });

  it('keeps an edited stage id and the condition clauses the modal cannot show', () => {
    const base = draft();
    base.stages[2] = { ...base.stages[2]!, condition: { combine: 'any', clauses: [{ field: 'amount', operator: 'gte', value: 10000 }, { field: 'vendor', operator: 'eq', value: 'Acme' }] } };
    const result = readStageForm(state({
      [ADMIN_BLOCKS.stageName]: { value: 'CFO' },
      [ADMIN_BLOCKS.stageStep]: { value: '3' },
      [ADMIN_BLOCKS.stageUsers]: { selected_users: ['UCFO0002'] },
      [ADMIN_BLOCKS.conditionField]: { selected_option: { value: 'amount' } },
      [ADMIN_BLOCKS.conditionOperator]: { selected_option: { value: 'gt' } },
      [ADMIN_BLOCKS.conditionValue]: { value: '5000' },
    }), base, 2);
    expect(result.ok && result.value.id).toBe('cfo');
    expect(result.ok && result.value.condition).toEqual({ combine: 'any', clauses: [{ field: 'amount', operator: 'gt', value: 5000 }, { field: 'vendor', operator: 'eq', value: 'Acme' }] });
  });
});

describe('reading the field modal', () => {
  it('builds a choice field and refuses a duplicate id', () => {
    const ok = readFieldForm(state({
      [ADMIN_BLOCKS.fieldLabel]: { value: 'Cost centre' },
      [ADMIN_BLOCKS.fieldType]: { selected_option: { value: 'single_select' } },
      [ADMIN_BLOCKS.fieldFlags]: { selected_options: [{ value: 'required' }] },
      [ADMIN_BLOCKS.fieldOptions]: { value: 'R&D\n\n Sales \nOps' },
    }), draft(), null);
    expect(ok).toEqual({ ok: true, value: { id: 'cost_centre', label: 'Cost centre', type: 'single_select', required: true, showToReviewers: false, options: ['R&D', 'Sales', 'Ops'] } });

    const dup = readFieldForm(state({ [ADMIN_BLOCKS.fieldLabel]: { value: 'Other' }, [ADMIN_BLOCKS.fieldId]: { value: 'vendor' } }), draft(), null);
    expect(dup.ok).toBe(false);
    expect(!dup.ok && dup.errors[ADMIN_BLOCKS.fieldId]).toContain('already uses');

    const noChoices = readFieldForm(state({ [ADMIN_BLOCKS.fieldLabel]: { value: 'Pick' }, [ADMIN_BLOCKS.fieldType]: { selected_option: { value: 'single_select' } } }), draft(), null);
    expect(!noChoices.ok && noChoices.errors[ADMIN_BLOCKS.fieldOptions]).toContain('at least one option');
  });

  it('refuses a label, option, hint or stage name that cannot be stored, under the box it was typed in', () => {
    const field = (entries: Record<string, Partial<Element>>) => readFieldForm(state({
      [ADMIN_BLOCKS.fieldLabel]: { value: 'Tier' }, [ADMIN_BLOCKS.fieldType]: { selected_option: { value: 'single_select' } }, [ADMIN_BLOCKS.fieldOptions]: { value: 'gold\nsilver' }, ...entries,
    }), draft(), null);
    const label = field({ [ADMIN_BLOCKS.fieldLabel]: { value: 'Ti\u0000er' } });
    expect(!label.ok && label.errors[ADMIN_BLOCKS.fieldLabel]).toContain('control characters or broken unicode');
    const option = field({ [ADMIN_BLOCKS.fieldOptions]: { value: 'gold\nsil\uD800ver' } });
    expect(option.ok).toBe(false);
    expect(!option.ok && Object.values(option.errors).join()).toContain('Option cannot contain control characters');
    const hint = field({ [ADMIN_BLOCKS.fieldHint]: { value: 'esc\u001b[2J' } });
    expect(!hint.ok && Object.values(hint.errors).join()).toContain('Field hint cannot contain');
    const stage = readStageForm(state({
      [ADMIN_BLOCKS.stageName]: { value: 'Legal\u0007' }, [ADMIN_BLOCKS.stageStep]: { value: '2' }, [ADMIN_BLOCKS.stageUsers]: { selected_users: ['ULEGAL001'] },
    }), draft(), null);
    expect(!stage.ok && stage.errors[ADMIN_BLOCKS.stageName]).toContain('Stage name cannot contain');
  });

  it('renames a field id everywhere the stages use it', () => {
    const result = readFieldForm(state({
      [ADMIN_BLOCKS.fieldLabel]: { value: 'Amount' },
      [ADMIN_BLOCKS.fieldId]: { value: 'total' },
      [ADMIN_BLOCKS.fieldType]: { selected_option: { value: 'currency' } },
      [ADMIN_BLOCKS.fieldCurrency]: { value: 'eur' },
    }), draft(), 1);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const next = withField(draft(), 1, result.value);
    expect(next.fields[1]).toMatchObject({ id: 'total', currency: 'EUR' });
    expect(next.stages[2]?.condition?.clauses[0]?.field).toBe('total');
  });
});
