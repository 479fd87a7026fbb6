import {
  APPROVAL_RULES, CONDITION_OPERATORS, FIELD_TYPES, TIMEOUT_ACTIONS, fieldDefinitionSchema, stageDefinitionSchema,
  type ApproverSpec, type ConditionClause, type FieldDefinition, type StageDefinition,
} from '../../../domain/index.ts';
import { idFromLabel, sortStages, type WorkflowDraft } from '../../../../blocks/admin/draft.ts';
import { FIELD_FLAGS, optionsTooLong } from '../../../../blocks/admin/field-modal.ts';
import { ADMIN_BLOCKS, DYNAMIC_APPROVER } from '../../../../blocks/admin/ids.ts';
import { readNumber, readOption, readOptions, readText, readUsers, type StateValues } from './admin-payload.ts';

/** A form read into a domain object, or the inline errors to show (keyed by block id). */
export type FormResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly errors: Record<string, string> };

const pick = <T extends string>(allowed: readonly T[], raw: string | null, fallback: T): T => allowed.find((a) => a === raw) ?? fallback;

/** Turns zod issues into inline errors, by the first path segment, under the block that holds that part. */
function issuesToBlocks(issues: readonly { path: readonly PropertyKey[]; message: string }[], blockFor: Record<string, string>, fallback: string): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const issue of issues) {
    const block = blockFor[String(issue.path[0] ?? '')] ?? fallback;
    errors[block] ??= issue.message;
  }
  return errors;
}

function conditionValue(field: FieldDefinition | undefined, operator: ConditionClause['operator'], raw: string): ConditionClause['value'] {
  const numeric = field?.type === 'number' || field?.type === 'currency';
  const one = (text: string): string | number => (numeric && text !== '' && Number.isFinite(Number(text)) ? Number(text) : text);
  if (operator === 'in' || operator === 'not_in') return raw.split(',').map((v) => v.trim()).filter(Boolean).map(one);
  return one(raw);
}

/** The stage modal's answers as a stage definition (checked by the domain schema). */
export function readStageForm(values: StateValues, draft: WorkflowDraft, index: number | null): FormResult<StageDefinition> {
  const existing = index === null ? undefined : draft.stages[index];
  const errors: Record<string, string> = {};
  const name = readText(values, ADMIN_BLOCKS.stageName);

  const approvers: ApproverSpec[] = [
    ...readUsers(values, ADMIN_BLOCKS.stageUsers).map((userId): ApproverSpec => ({ type: 'user', userId })),
    ...readOptions(values, ADMIN_BLOCKS.stageRoles).map((role): ApproverSpec => ({ type: 'role', role })),
    ...readOptions(values, ADMIN_BLOCKS.stageDynamic).flatMap((choice): ApproverSpec[] => {
      if (choice === DYNAMIC_APPROVER.manager) return [{ type: 'manager' }];
      const fieldId = choice.startsWith(DYNAMIC_APPROVER.field('')) ? choice.slice(DYNAMIC_APPROVER.field('').length) : '';
      return fieldId ? [{ type: 'field', fieldId }] : [];
    }),
  ];
  if (approvers.length === 0) errors[ADMIN_BLOCKS.stageUsers] = "Pick at least one approver: people, a role, or the requester's manager.";

  const ruleKind = pick(APPROVAL_RULES, readOption(values, ADMIN_BLOCKS.stageRule), 'any');
  const minimum = readNumber(values, ADMIN_BLOCKS.stageMinimum);
  if (ruleKind === 'at_least' && (minimum === null || !Number.isInteger(minimum) || minimum < 1)) {
    errors[ADMIN_BLOCKS.stageMinimum] = 'Say how many approvals are needed (a whole number, at least 1).';
  }
  const rule = ruleKind === 'at_least' ? { kind: ruleKind, count: minimum ?? 1 } : { kind: ruleKind };

  const keptEscalation = existing?.escalateTo?.filter((a) => a.type !== 'user') ?? [];
  const escalateTo: ApproverSpec[] = [...readUsers(values, ADMIN_BLOCKS.stageEscalateTo).map((userId): ApproverSpec => ({ type: 'user', userId })), ...keptEscalation];

  let condition: StageDefinition['condition'];
  const conditionField = readOption(values, ADMIN_BLOCKS.conditionField);
  if (conditionField) {
    const operator = pick(CONDITION_OPERATORS, readOption(values, ADMIN_BLOCKS.conditionOperator), 'eq');
    const raw = readText(values, ADMIN_BLOCKS.conditionValue);
    const needsValue = operator !== 'is_empty' && operator !== 'is_not_empty';
    if (needsValue && raw === '') errors[ADMIN_BLOCKS.conditionValue] = 'This condition needs a value.';
    const field = draft.fields.find((f) => f.id === conditionField);
    const clause: ConditionClause = needsValue ? { field: conditionField, operator, value: conditionValue(field, operator, raw) } : { field: conditionField, operator };
    condition = { combine: existing?.condition?.combine ?? 'all', clauses: [clause, ...(existing?.condition?.clauses.slice(1) ?? [])] };
  }

  const reminder = readNumber(values, ADMIN_BLOCKS.stageReminder);
  const candidate = {
    id: existing?.id ?? idFromLabel(name, draft.stages.map((s) => s.id), 'stage'),
    name,
    step: readNumber(values, ADMIN_BLOCKS.stageStep) ?? 1,
    approvers,
    rule,
    slaHours: readNumber(values, ADMIN_BLOCKS.stageSla) ?? 48,
    ...(reminder !== null ? { reminderEveryHours: reminder } : {}),
    onTimeout: pick(TIMEOUT_ACTIONS, readOption(values, ADMIN_BLOCKS.stageTimeout), 'escalate'),
    ...(escalateTo.length ? { escalateTo } : {}),
    ...(condition ? { condition } : {}),
  };
  const parsed = stageDefinitionSchema.safeParse(candidate);
  if (!parsed.success) {
    Object.assign(errors, issuesToBlocks(parsed.error.issues, {
      name: ADMIN_BLOCKS.stageName, id: ADMIN_BLOCKS.stageName, step: ADMIN_BLOCKS.stageStep, approvers: ADMIN_BLOCKS.stageUsers,
      rule: ADMIN_BLOCKS.stageMinimum, slaHours: ADMIN_BLOCKS.stageSla, reminderEveryHours: ADMIN_BLOCKS.stageReminder,
      escalateTo: ADMIN_BLOCKS.stageEscalateTo, condition: ADMIN_BLOCKS.conditionValue,
    }, ADMIN_BLOCKS.stageName), { ...errors });
  }
  if (Object.keys(errors).length > 0 || !parsed.success) return { ok: false, errors };
  return { ok: true, value: parsed.data };
}

/** The field modal's answers as a field definition; `index` is the field edited (null for a new one). */
export function readFieldForm(values: StateValues, draft: WorkflowDraft, index: number | null): FormResult<FieldDefinition> {
  const existing = index === null ? undefined : draft.fields[index];
  const label = readText(values, ADMIN_BLOCKS.fieldLabel);
  const others = draft.fields.filter((_, i) => i !== index).map((f) => f.id);
  const typedId = readText(values, ADMIN_BLOCKS.fieldId);
  const id = typedId || existing?.id || idFromLabel(label, others, 'field');
  const flags = readOptions(values, ADMIN_BLOCKS.fieldFlags);
  const type = pick(FIELD_TYPES, readOption(values, ADMIN_BLOCKS.fieldType), 'short_text');
  const options = optionsTooLong(existing)
    ? existing?.options
    : readText(values, ADMIN_BLOCKS.fieldOptions).split('\n').map((o) => o.trim()).filter(Boolean);
  const hint = readText(values, ADMIN_BLOCKS.fieldHint);
  const currency = readText(values, ADMIN_BLOCKS.fieldCurrency).toUpperCase();
  const candidate = {
    id,
    label,
    type,
    required: flags.includes(FIELD_FLAGS.required),
    showToReviewers: flags.includes(FIELD_FLAGS.showToReviewers),
    ...(hint ? { hint } : {}),
    ...(type === 'single_select' && options?.length ? { options } : {}),
    ...(currency ? { currency } : {}),
  };
  const errors: Record<string, string> = {};
  if (others.includes(id)) errors[typedId ? ADMIN_BLOCKS.fieldId : ADMIN_BLOCKS.fieldLabel] = `Another field already uses the id "${id}".`;
  const parsed = fieldDefinitionSchema.safeParse(candidate);
  if (!parsed.success) {
    Object.assign(errors, issuesToBlocks(parsed.error.issues, {
      id: ADMIN_BLOCKS.fieldId, label: ADMIN_BLOCKS.fieldLabel, options: ADMIN_BLOCKS.fieldOptions, currency: ADMIN_BLOCKS.fieldCurrency, hint: ADMIN_BLOCKS.fieldHint, type: ADMIN_BLOCKS.fieldType,
    }, ADMIN_BLOCKS.fieldLabel), { ...errors });
  }
  // With its choices kept from YAML there is no choices box to show an error under.
  const optionsError = errors[ADMIN_BLOCKS.fieldOptions];
  if (optionsError && optionsTooLong(existing)) {
    errors[ADMIN_BLOCKS.fieldType] = optionsError;
    delete errors[ADMIN_BLOCKS.fieldOptions];
  }
  if (Object.keys(errors).length > 0 || !parsed.success) return { ok: false, errors };
  return { ok: true, value: parsed.data };
}

/** Puts a saved stage in the draft (replacing the one edited) and keeps stages in step order. */
export function withStage(draft: WorkflowDraft, index: number | null, stage: StageDefinition): WorkflowDraft {
  const stages = [...draft.stages];
  if (index === null || index >= stages.length) stages.push(stage);
  else stages[index] = stage;
  return { ...draft, stages: sortStages(stages) };
}

/** Puts a saved field in the draft; a renamed field id is renamed in the stages that refer to it. */
export function withField(draft: WorkflowDraft, index: number | null, field: FieldDefinition): WorkflowDraft {
  const fields = [...draft.fields];
  const previousId = index === null ? undefined : fields[index]?.id;
  if (index === null || index >= fields.length) fields.push(field);
  else fields[index] = field;
  if (!previousId || previousId === field.id) return { ...draft, fields };
  const rename = (spec: ApproverSpec): ApproverSpec => (spec.type === 'field' && spec.fieldId === previousId ? { ...spec, fieldId: field.id } : spec);
  const stages = draft.stages.map((s) => ({
    ...s,
    approvers: s.approvers.map(rename),
    ...(s.escalateTo ? { escalateTo: s.escalateTo.map(rename) } : {}),
    ...(s.condition ? { condition: { ...s.condition, clauses: s.condition.clauses.map((c) => (c.field === previousId ? { ...c, field: field.id } : c)) } } : {}),
  }));
  return { ...draft, fields, stages };
}
