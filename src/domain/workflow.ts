import { z } from 'zod';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { DomainError } from './errors.ts';
import { slackUserIdSchema } from './identifiers.ts';
import { findHostileJson, storableText } from './input.ts';

/** Limits keep every definition renderable in Slack (modal and message limits) and readable by people. */
export const WORKFLOW_LIMITS = {
  keyLength: 40,
  nameLength: 80,
  descriptionLength: 500,
  fields: 20,
  fieldLabelLength: 80,
  fieldHintLength: 150,
  selectOptions: 50,
  optionLength: 75,
  stages: 20,
  stageNameLength: 60,
  approversPerStage: 25,
  conditionClauses: 10,
  maxSlaHours: 24 * 90,
  webhooks: 5,
} as const;

export const FIELD_TYPES = ['short_text', 'long_text', 'number', 'currency', 'date', 'single_select', 'user', 'url'] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

export const APPROVAL_RULES = ['any', 'all', 'at_least', 'majority'] as const;
export type ApprovalRuleKind = (typeof APPROVAL_RULES)[number];

export const TIMEOUT_ACTIONS = ['escalate', 'auto_approve', 'auto_reject'] as const;
export type TimeoutAction = (typeof TIMEOUT_ACTIONS)[number];

export const CONDITION_OPERATORS = ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'in', 'not_in', 'contains', 'is_empty', 'is_not_empty'] as const;
export type ConditionOperator = (typeof CONDITION_OPERATORS)[number];

const slackUserId = slackUserIdSchema();
const identifier = (what: string) =>
  z.string().regex(/^[a-z][a-z0-9_]{0,39}$/, `${what} must start with a letter and use only a-z, 0-9 and _ (at most 40)`);
const text = (what: string, max: number) =>
  storableText(what).trim().min(1, `${what} is required`).max(max, `${what} must be at most ${max} characters`);

export const fieldDefinitionSchema = z
  .object({
    id: identifier('Field id'),
    label: text('Field label', WORKFLOW_LIMITS.fieldLabelLength),
    type: z.enum(FIELD_TYPES),
    required: z.boolean().default(false),
    showToReviewers: z.boolean().default(true),
    hint: storableText('Field hint').max(WORKFLOW_LIMITS.fieldHintLength).optional(),
    options: z.array(text('Option', WORKFLOW_LIMITS.optionLength)).max(WORKFLOW_LIMITS.selectOptions).optional(),
    currency: z.string().regex(/^[A-Z]{3}$/, 'currency must be an ISO 4217 code such as USD').optional(),
  })
  .superRefine((field, ctx) => {
    if (field.type === 'single_select' && (!field.options || field.options.length === 0)) {
      ctx.addIssue({ code: 'custom', message: `Field "${field.id}" is a single select and needs at least one option`, path: ['options'] });
    }
    if (field.options && new Set(field.options).size !== field.options.length) {
      ctx.addIssue({ code: 'custom', message: `Field "${field.id}" lists an option twice`, path: ['options'] });
    }
  });
export type FieldDefinition = z.infer<typeof fieldDefinitionSchema>;

export const approverSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('user'), userId: slackUserId }),
  z.object({ type: z.literal('role'), role: identifier('Role name') }),
  z.object({ type: z.literal('manager') }),
  z.object({ type: z.literal('field'), fieldId: identifier('Field id') }),
]);
export type ApproverSpec = z.infer<typeof approverSchema>;

export const approvalRuleSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('any') }),
  z.object({ kind: z.literal('all') }),
  z.object({ kind: z.literal('at_least'), count: z.number().int().min(1).max(WORKFLOW_LIMITS.approversPerStage * 10) }),
  z.object({ kind: z.literal('majority') }),
]);
export type ApprovalRule = z.infer<typeof approvalRuleSchema>;

const conditionText = storableText('Condition value').max(200);
const conditionValue = z.union([conditionText, z.number(), z.boolean(), z.array(z.union([conditionText, z.number()])).max(50)]);
export const conditionClauseSchema = z.object({
  field: identifier('Condition field'),
  operator: z.enum(CONDITION_OPERATORS),
  value: conditionValue.optional(),
});
export type ConditionClause = z.infer<typeof conditionClauseSchema>;

export const conditionSchema = z.object({
  combine: z.enum(['all', 'any']).default('all'),
  clauses: z.array(conditionClauseSchema).min(1, 'A condition needs at least one clause').max(WORKFLOW_LIMITS.conditionClauses),
});
export type StageCondition = z.infer<typeof conditionSchema>;

export const stageDefinitionSchema = z.object({
  id: identifier('Stage id'),
  name: text('Stage name', WORKFLOW_LIMITS.stageNameLength),
  /** Stages that share a step run in parallel; steps run in ascending order. */
  step: z.number().int().min(1).max(WORKFLOW_LIMITS.stages),
  approvers: z.array(approverSchema).min(1, 'A stage needs at least one approver').max(WORKFLOW_LIMITS.approversPerStage),
  rule: approvalRuleSchema.default({ kind: 'any' }),
  slaHours: z.number().positive().max(WORKFLOW_LIMITS.maxSlaHours).default(48),
  /** Hours between reminders to pending reviewers; absent means no reminders. */
  reminderEveryHours: z.number().positive().max(WORKFLOW_LIMITS.maxSlaHours).optional(),
  onTimeout: z.enum(TIMEOUT_ACTIONS).default('escalate'),
  /** Who is asked when the stage escalates; absent means the pending reviewers' managers. */
  escalateTo: z.array(approverSchema).max(WORKFLOW_LIMITS.approversPerStage).optional(),
  condition: conditionSchema.optional(),
});
export type StageDefinition = z.infer<typeof stageDefinitionSchema>;

export const webhookSchema = z.object({
  url: z.url({ protocol: /^https?$/ }),
  events: z.array(z.enum(['approved', 'rejected', 'withdrawn'])).min(1).default(['approved', 'rejected', 'withdrawn']),
});

/** A workflow's key, wherever one is given: a definition, a request for it, an API path or filter. */
export const workflowKeySchema = z.string().regex(/^[a-z][a-z0-9-]{1,39}$/, 'Workflow key must be 2-40 characters of a-z, 0-9 and -, starting with a letter');

export const workflowDefinitionSchema = z
  .object({
    key: workflowKeySchema,
    name: text('Workflow name', WORKFLOW_LIMITS.nameLength),
    description: storableText('Description').trim().max(WORKFLOW_LIMITS.descriptionLength).default(''),
    fields: z.array(fieldDefinitionSchema).max(WORKFLOW_LIMITS.fields, `A workflow has at most ${WORKFLOW_LIMITS.fields} fields`).default([]),
    stages: z
      .array(stageDefinitionSchema)
      .min(1, 'A workflow needs at least one stage')
      .max(WORKFLOW_LIMITS.stages, `A workflow has at most ${WORKFLOW_LIMITS.stages} stages`),
    /** When true, one person may approve at most one stage of a submission. */
    oneStagePerApprover: z.boolean().default(false),
    webhooks: z.array(webhookSchema).max(WORKFLOW_LIMITS.webhooks).default([]),
  })
  .superRefine((wf, ctx) => {
    const fieldIds = new Set<string>();
    wf.fields.forEach((field, i) => {
      if (fieldIds.has(field.id)) ctx.addIssue({ code: 'custom', message: `Field id "${field.id}" is used twice`, path: ['fields', i, 'id'] });
      fieldIds.add(field.id);
    });
    const stageIds = new Set<string>();
    wf.stages.forEach((stage, i) => {
      if (stageIds.has(stage.id)) ctx.addIssue({ code: 'custom', message: `Stage id "${stage.id}" is used twice`, path: ['stages', i, 'id'] });
      stageIds.add(stage.id);
      const approverLists = [stage.approvers, stage.escalateTo ?? []];
      for (const approver of approverLists.flat()) {
        if (approver.type !== 'field') continue;
        const field = wf.fields.find((f) => f.id === approver.fieldId);
        if (!field || field.type !== 'user') {
          ctx.addIssue({ code: 'custom', message: `Stage "${stage.id}" takes its approver from field "${approver.fieldId}", which must be a user field`, path: ['stages', i, 'approvers'] });
        }
      }
      for (const clause of stage.condition?.clauses ?? []) {
        if (!fieldIds.has(clause.field)) {
          ctx.addIssue({ code: 'custom', message: `Stage "${stage.id}" has a condition on unknown field "${clause.field}"`, path: ['stages', i, 'condition'] });
        }
        const needsValue = clause.operator !== 'is_empty' && clause.operator !== 'is_not_empty';
        if (needsValue && clause.value === undefined) {
          ctx.addIssue({ code: 'custom', message: `Stage "${stage.id}": operator "${clause.operator}" needs a value`, path: ['stages', i, 'condition'] });
        }
      }
    });
    const steps = wf.stages.map((s) => s.step);
    for (let i = 1; i < steps.length; i++) {
      if ((steps[i] ?? 0) < (steps[i - 1] ?? 0)) {
        ctx.addIssue({ code: 'custom', message: 'Stages must be listed in step order', path: ['stages', i, 'step'] });
        break;
      }
    }
  });

export type WorkflowDefinition = z.infer<typeof workflowDefinitionSchema>;
export type WorkflowDefinitionInput = z.input<typeof workflowDefinitionSchema>;

/** Turns zod issues into "path: message" lines a person can act on. */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const issue of issues) {
    const path = issue.path.map(String).join('.') || '(definition)';
    out[path] ??= issue.message;
  }
  return out;
}

export function parseWorkflowDefinition(input: unknown): WorkflowDefinition {
  // Before the schema: a name with a NUL, a label with a lone surrogate or an option nested 10,000 deep is
  // refused where it is, whether it came from the API, an imported file or the editor.
  const hostile = findHostileJson(input);
  if (hostile) {
    const path = hostile.path.map(String).join('.') || '(definition)';
    throw new DomainError('invalid_input', `The workflow definition is not valid: ${path} ${hostile.problem}`, { [path]: hostile.problem });
  }
  const result = workflowDefinitionSchema.safeParse(input);
  if (!result.success) {
    const problems = describeIssues(result.error.issues);
    const summary = Object.entries(problems).slice(0, 5).map(([path, message]) => `${path}: ${message}`).join('; ');
    throw new DomainError('invalid_input', `The workflow definition is not valid: ${summary}`, problems);
  }
  return result.data;
}

/** Accepts JSON or YAML text (JSON is a subset of YAML, but JSON errors read better from JSON.parse). */
export function workflowFromText(source: string): WorkflowDefinition {
  let data: unknown;
  try {
    data = source.trimStart().startsWith('{') ? JSON.parse(source) : parseYaml(source);
  } catch (error) {
    throw new DomainError('invalid_input', `Could not read the workflow: ${(error as Error).message}`);
  }
  return parseWorkflowDefinition(data);
}

export function workflowToYaml(definition: WorkflowDefinition): string {
  return stringifyYaml(definition);
}

export function workflowToJson(definition: WorkflowDefinition): string {
  return JSON.stringify(definition, null, 2);
}
