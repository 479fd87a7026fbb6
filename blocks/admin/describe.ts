import type { ApproverSpec, ConditionClause, FieldDefinition, FieldType, StageCondition, StageDefinition, TimeoutAction, ApprovalRuleKind } from '../../src/domain/index.ts';
import { mention } from '../format.ts';
import { escapeMrkdwn } from '../text.ts';

/** Words for the workflow parts an admin edits, shared by the editor, the stage modal and previews. */
export const FIELD_TYPE_LABEL: Record<FieldType, string> = {
  short_text: 'Short text',
  long_text: 'Long text',
  number: 'Number',
  currency: 'Amount (currency)',
  date: 'Date',
  single_select: 'Choice from a list',
  user: 'Person',
  url: 'Link',
};

export const RULE_LABEL: Record<ApprovalRuleKind, string> = {
  any: 'Any one approver',
  all: 'Everyone asked',
  at_least: 'At least a minimum number',
  majority: 'A majority',
};

export const TIMEOUT_LABEL: Record<TimeoutAction, string> = {
  escalate: 'Escalate',
  auto_approve: 'Approve automatically',
  auto_reject: 'Reject automatically',
};

export const OPERATOR_LABEL: Record<ConditionClause['operator'], string> = {
  eq: 'is',
  neq: 'is not',
  gt: 'is more than',
  gte: 'is at least',
  lt: 'is less than',
  lte: 'is at most',
  in: 'is one of',
  not_in: 'is none of',
  contains: 'contains',
  is_empty: 'is empty',
  is_not_empty: 'is filled in',
};

export function approverText(spec: ApproverSpec, fields: readonly FieldDefinition[]): string {
  switch (spec.type) {
    case 'user': return mention(spec.userId);
    case 'role': return `role \`${spec.role}\``;
    case 'manager': return "the requester's manager";
    case 'field': {
      const field = fields.find((f) => f.id === spec.fieldId);
      return `the person in “${escapeMrkdwn(field?.label ?? spec.fieldId)}”`;
    }
  }
}

function valueText(value: ConditionClause['value']): string {
  if (value === undefined) return '';
  return ` ${escapeMrkdwn(Array.isArray(value) ? value.join(', ') : String(value))}`;
}

export function conditionText(condition: StageCondition | undefined, fields: readonly FieldDefinition[]): string | null {
  if (!condition) return null;
  const label = (id: string) => escapeMrkdwn(fields.find((f) => f.id === id)?.label ?? id);
  const parts = condition.clauses.map((c) => `${label(c.field)} ${OPERATOR_LABEL[c.operator]}${valueText(c.value)}`);
  return `only when ${parts.join(condition.combine === 'all' ? ' and ' : ' or ')}`;
}

export function ruleText(stage: StageDefinition): string {
  switch (stage.rule.kind) {
    case 'any': return 'any one approves';
    case 'all': return 'everyone approves';
    case 'majority': return 'a majority approves';
    case 'at_least': return `${stage.rule.count} approve`;
  }
}

/** One stage in a line or two: who, how many, deadlines, condition. */
export function stageSummary(stage: StageDefinition, position: number, fields: readonly FieldDefinition[]): string {
  const approvers = stage.approvers.map((a) => approverText(a, fields)).join(', ');
  const reminder = stage.reminderEveryHours ? ` · reminders every ${stage.reminderEveryHours} h` : '';
  const condition = conditionText(stage.condition, fields);
  return [
    `*${position}. ${escapeMrkdwn(stage.name)}* (step ${stage.step})`,
    `${approvers} · ${ruleText(stage)} · SLA ${stage.slaHours} h${reminder} · then ${TIMEOUT_LABEL[stage.onTimeout].toLowerCase()}`,
    ...(condition ? [`_${condition}_`] : []),
  ].join('\n');
}

export function fieldSummary(field: FieldDefinition): string {
  const options = field.options?.length ? ` · ${field.options.length} options` : '';
  const flags = [field.required ? 'required' : 'optional', field.showToReviewers ? null : 'hidden from reviewers'].filter(Boolean).join(', ');
  return `*${escapeMrkdwn(field.label)}* · ${FIELD_TYPE_LABEL[field.type]}${field.currency ? ` ${field.currency}` : ''}${options} · ${flags} · \`${field.id}\``;
}
