import type { KnownBlock, ModalView } from '@slack/types';
import {
  APPROVAL_RULES, CONDITION_OPERATORS, TIMEOUT_ACTIONS, WORKFLOW_LIMITS,
  type StageDefinition,
} from '../../src/domain/index.ts';
import { context } from '../cards.ts';
import { encodeItemContext, type ItemContext } from './draft.ts';
import { OPERATOR_LABEL, RULE_LABEL, TIMEOUT_LABEL } from './describe.ts';
import { ADMIN_BLOCKS, ADMIN_CALLBACKS, DYNAMIC_APPROVER } from './ids.ts';
import { checkboxes, input, modal, multiStaticSelect, multiUsersSelect, numberInput, option, staticSelect, textInput } from './kit.ts';

const conditionValueText = (value: unknown): string | undefined =>
  value === undefined ? undefined : Array.isArray(value) ? value.join(', ') : String(value);

/**
 * One stage, pushed over the workflow editor: approvers (people, roles, the requester's manager, a person
 * field), rule and minimum, SLA, reminders, timeout action and an optional one-clause condition.
 */
export function stageModal(ctx: ItemContext, roles: readonly string[]): ModalView {
  const { draft } = ctx;
  const stage: StageDefinition | undefined = ctx.index === null ? undefined : draft.stages[ctx.index];
  const lastStep = draft.stages.at(-1)?.step ?? 0;
  const users = stage?.approvers.flatMap((a) => (a.type === 'user' ? [a.userId] : [])) ?? [];
  const stageRoles = stage?.approvers.flatMap((a) => (a.type === 'role' ? [a.role] : [])) ?? [];
  const dynamic = stage?.approvers.flatMap((a) => (a.type === 'manager' ? [DYNAMIC_APPROVER.manager] : a.type === 'field' ? [DYNAMIC_APPROVER.field(a.fieldId)] : [])) ?? [];
  const userFields = draft.fields.filter((f) => f.type === 'user');
  const escalateUsers = stage?.escalateTo?.flatMap((a) => (a.type === 'user' ? [a.userId] : [])) ?? [];
  const escalateOthers = (stage?.escalateTo?.length ?? 0) - escalateUsers.length;

  const blocks: KnownBlock[] = [
    input(ADMIN_BLOCKS.stageName, 'Stage name', textInput({ initial: stage?.name, maxLength: WORKFLOW_LIMITS.stageNameLength, placeholder: 'Finance review' })),
    input(ADMIN_BLOCKS.stageStep, 'Step', numberInput({ initial: stage?.step ?? Math.min(lastStep + 1, WORKFLOW_LIMITS.stages), min: 1, max: WORKFLOW_LIMITS.stages }), {
      hint: 'Steps run in order; stages with the same step run at the same time.',
    }),
    input(ADMIN_BLOCKS.stageUsers, 'Approvers: people', multiUsersSelect(users), { optional: true }),
  ];
  const roleNames = [...new Set([...roles, ...stageRoles])].sort();
  if (roleNames.length > 0) {
    blocks.push(input(ADMIN_BLOCKS.stageRoles, 'Approvers: roles', multiStaticSelect(roleNames.map((r) => option(r, r)), stageRoles, 'Pick roles'), { optional: true }));
  } else {
    blocks.push(context('No roles yet. Create roles (e.g. `finance`) with the *Roles* button to route to them.'));
  }
  const dynamicOptions = [
    option("The requester's manager", DYNAMIC_APPROVER.manager),
    ...userFields.map((f) => option(`The person in “${f.label}”`, DYNAMIC_APPROVER.field(f.id))),
  ];
  blocks.push(
    input(ADMIN_BLOCKS.stageDynamic, 'Approvers: from the request', checkboxes(dynamicOptions, dynamic), { optional: true }),
    input(ADMIN_BLOCKS.stageRule, 'Approved when', staticSelect(APPROVAL_RULES.map((r) => option(RULE_LABEL[r], r)), stage?.rule.kind ?? 'any')),
    input(ADMIN_BLOCKS.stageMinimum, 'Minimum approvals', numberInput({ initial: stage?.rule.kind === 'at_least' ? stage.rule.count : undefined, min: 1, max: WORKFLOW_LIMITS.approversPerStage * 10 }), {
      optional: true, hint: 'Only for "At least a minimum number".',
    }),
    input(ADMIN_BLOCKS.stageSla, 'SLA (hours)', numberInput({ initial: stage?.slaHours ?? 48, decimal: true, min: 0.01, max: WORKFLOW_LIMITS.maxSlaHours })),
    input(ADMIN_BLOCKS.stageReminder, 'Remind every (hours)', numberInput({ initial: stage?.reminderEveryHours, decimal: true, min: 0.01, max: WORKFLOW_LIMITS.maxSlaHours }), {
      optional: true, hint: 'Leave empty for no reminders.',
    }),
    input(ADMIN_BLOCKS.stageTimeout, 'When the SLA passes', staticSelect(TIMEOUT_ACTIONS.map((t) => option(TIMEOUT_LABEL[t], t)), stage?.onTimeout ?? 'escalate')),
    input(ADMIN_BLOCKS.stageEscalateTo, 'Escalate to', multiUsersSelect(escalateUsers), {
      optional: true, hint: "Leave empty to escalate to the pending reviewers' managers.",
    }),
  );
  if (escalateOthers > 0) blocks.push(context(`This stage also escalates to ${escalateOthers} role or dynamic target(s) set in YAML; they are kept.`));

  if (draft.fields.length === 0) {
    blocks.push(context('Add fields to the workflow to make this stage depend on their values.'));
  } else {
    const clause = stage?.condition?.clauses[0];
    const extra = (stage?.condition?.clauses.length ?? 0) - 1;
    blocks.push(
      input(ADMIN_BLOCKS.conditionField, 'Only when field', staticSelect(draft.fields.map((f) => option(f.label, f.id)), clause?.field, 'Always (no condition)'), {
        optional: true, hint: 'Leave empty to always run this stage.',
      }),
      input(ADMIN_BLOCKS.conditionOperator, 'Condition', staticSelect(CONDITION_OPERATORS.map((o) => option(OPERATOR_LABEL[o], o)), clause?.operator, 'is'), { optional: true }),
      input(ADMIN_BLOCKS.conditionValue, 'Value', textInput({ initial: conditionValueText(clause?.value), maxLength: 200 }), {
        optional: true, hint: 'For "is one of", separate values with commas.',
      }),
    );
    if (extra > 0) blocks.push(context(`This condition has ${extra} more clause(s) set in YAML; they are kept.`));
  }
  return modal(stage ? 'Edit stage' : 'Add stage', ADMIN_CALLBACKS.stage, blocks, { submit: 'Save stage', close: 'Back', metadata: encodeItemContext(ctx) });
}
