/**
 * The largest requests a user can produce within the workflow limits, for builder tests: 20 fields at their
 * maximum lengths (with characters that grow when escaped), 20 stages with 25 approvers each, long names.
 */
import {
  MAX_TITLE_LENGTH, MAX_TEXT_VALUE, MAX_REASON_LENGTH, WORKFLOW_LIMITS, parseWorkflowDefinition,
  type Decision, type FieldDefinition, type StageInstance, type SubmissionState, type WorkflowDefinition,
} from '../../src/domain/index.ts';

/** `n` characters that each become 4-5 when escaped for mrkdwn, with an emoji so surrogate pairs are cut too. */
export const nasty = (n: number): string => '<&>😀'.repeat(Math.ceil(n / 5)).slice(0, n);
export const user = (i: number): string => `U${String(i).padStart(10, '0')}`;
const uuid = (i: number): string => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;

const FIELD_TYPES: FieldDefinition['type'][] = ['short_text', 'long_text', 'number', 'currency', 'date', 'single_select', 'user', 'url'];

export function longestDefinition(): WorkflowDefinition {
  const fields = Array.from({ length: WORKFLOW_LIMITS.fields }, (_, i) => {
    const type = FIELD_TYPES[i % FIELD_TYPES.length] ?? 'short_text';
    return {
      id: `field_${i}`,
      label: `${i} ${nasty(WORKFLOW_LIMITS.fieldLabelLength - 3)}`.slice(0, WORKFLOW_LIMITS.fieldLabelLength),
      type,
      required: i % 2 === 0,
      hint: 'h'.repeat(WORKFLOW_LIMITS.fieldHintLength),
      ...(type === 'single_select'
        ? { options: Array.from({ length: WORKFLOW_LIMITS.selectOptions }, (_, j) => `${j} ${'o'.repeat(WORKFLOW_LIMITS.optionLength - 3)}`.slice(0, WORKFLOW_LIMITS.optionLength)) }
        : {}),
      ...(type === 'currency' ? { currency: 'USD' } : {}),
    };
  });
  const stages = Array.from({ length: WORKFLOW_LIMITS.stages }, (_, i) => ({
    id: `stage_${i}`,
    name: `${i} ${nasty(WORKFLOW_LIMITS.stageNameLength - 3)}`.slice(0, WORKFLOW_LIMITS.stageNameLength),
    step: i + 1,
    approvers: Array.from({ length: WORKFLOW_LIMITS.approversPerStage }, (_, j) => ({ type: 'user' as const, userId: user(i * 100 + j) })),
    rule: { kind: 'at_least' as const, count: 24 },
  }));
  return parseWorkflowDefinition({
    key: 'k'.repeat(40),
    name: nasty(WORKFLOW_LIMITS.nameLength),
    description: nasty(WORKFLOW_LIMITS.descriptionLength),
    fields,
    stages,
  });
}

export function longestValues(definition: WorkflowDefinition): Record<string, string | number> {
  const values: Record<string, string | number> = {};
  for (const field of definition.fields) {
    switch (field.type) {
      case 'short_text': values[field.id] = nasty(MAX_TEXT_VALUE.short_text); break;
      case 'long_text': values[field.id] = nasty(MAX_TEXT_VALUE.long_text); break;
      case 'url': values[field.id] = `https://example.com/${'a&b'.repeat(600)}`.slice(0, MAX_TEXT_VALUE.url); break;
      case 'number': values[field.id] = -123456789012.5; break;
      case 'currency': values[field.id] = 999999999999.99; break;
      case 'date': values[field.id] = '2026-12-31'; break;
      case 'single_select': values[field.id] = field.options?.at(-1) ?? ''; break;
      case 'user': values[field.id] = user(9999); break;
    }
  }
  return values;
}

const decision = (i: number, kind: Decision['kind'], actorId: string, reason: string | null = null): Decision => ({
  id: uuid(50_000 + i), kind, actorId, principalId: actorId, capacity: { kind: 'named' }, reason, delegateTo: null, at: '2026-11-20T10:00:00.000Z', retractedAt: null,
});

/**
 * A request in its last stage: every earlier stage approved by 24 people, the last one open with 23 approvals,
 * maximal comments, and one reviewer (`pendingReviewer`) still to decide.
 */
export function longestState(definition = longestDefinition()): { state: SubmissionState; definition: WorkflowDefinition; lastStage: StageInstance; pendingReviewer: string } {
  const stages: StageInstance[] = definition.stages.map((stage, i) => {
    const pool = stage.approvers.flatMap((a) => (a.type === 'user' ? [a.userId] : []));
    const last = i === definition.stages.length - 1;
    const approvals = pool.slice(0, last ? 23 : 24).map((u, j) => decision(i * 100 + j, 'approve', u));
    const comments = Array.from({ length: 5 }, (_, j) => decision(i * 100 + 50 + j, 'comment', pool[24] ?? '', nasty(MAX_REASON_LENGTH)));
    return {
      id: uuid(i + 1), stageId: stage.id, name: stage.name, step: stage.step, status: last ? 'open' : 'approved', rule: stage.rule, pool, required: 24,
      openedAt: '2026-11-20T09:00:00.000Z', dueAt: '2026-11-22T09:00:00.000Z', closedAt: last ? null : '2026-11-20T11:00:00.000Z', escalatedAt: null, escalatedVia: null,
      decisions: [...approvals, ...comments], grants: [],
    };
  });
  const lastStage = stages.at(-1) as StageInstance;
  const state: SubmissionState = {
    id: uuid(999_999), teamId: 'T0001', workflowKey: definition.key, workflowVersion: 12, requesterId: user(1_000_000),
    title: nasty(MAX_TITLE_LENGTH), fields: longestValues(definition), entityKey: null, predecessorId: null, status: 'in_review',
    plan: definition.stages.map((s) => ({ step: s.step, stageIds: [s.id] })), skippedStageIds: [], currentStepIndex: stages.length - 1,
    stages, createdAt: '2026-11-20T09:00:00.000Z', closedAt: null, endReason: null,
  };
  return { state, definition, lastStage, pendingReviewer: lastStage.pool[23] ?? '' };
}
