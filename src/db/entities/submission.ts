import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import type { ApprovalRule, Capacity, DecisionKind, FieldValues, PlannedStep, StageStatus, SubmissionStatus } from '../../domain/index.ts';

export const Submission = defineEntity({
  name: 'Submission',
  tableName: 'submission',
  properties: {
    id: p.uuid().primary(),
    teamId: p.string(),
    workflowKey: p.string(),
    workflowVersion: p.integer(),
    workflowVersionId: p.uuid(),
    requesterId: p.string(),
    title: p.string(),
    fields: p.json<FieldValues>(),
    entityKey: p.string().nullable(),
    predecessorId: p.uuid().nullable(),
    status: p.string().$type<SubmissionStatus>(),
    plan: p.json<PlannedStep[]>(),
    skippedStageIds: p.json<string[]>(),
    currentStepIndex: p.integer().nullable(),
    createdAt: p.datetime(),
    closedAt: p.datetime().nullable(),
    updatedAt: p.datetime().onCreate(() => new Date()).onUpdate(() => new Date()),
  },
});
export type Submission = InferEntity<typeof Submission>;

export const StageInstance = defineEntity({
  name: 'StageInstance',
  tableName: 'stage_instance',
  properties: {
    id: p.uuid().primary(),
    submissionId: p.uuid(),
    stageId: p.string(),
    name: p.string(),
    step: p.integer(),
    status: p.string().$type<StageStatus>(),
    rule: p.json<ApprovalRule>(),
    pool: p.json<string[]>(),
    required: p.integer(),
    openedAt: p.datetime(),
    dueAt: p.datetime(),
    closedAt: p.datetime().nullable(),
    escalatedAt: p.datetime().nullable(),
  },
});
export type StageInstance = InferEntity<typeof StageInstance>;

export const Decision = defineEntity({
  name: 'Decision',
  tableName: 'decision',
  properties: {
    id: p.uuid().primary(),
    submissionId: p.uuid(),
    stageInstanceId: p.uuid(),
    kind: p.string().$type<DecisionKind>(),
    actorId: p.string(),
    principalId: p.string(),
    capacity: p.json<Capacity>(),
    reason: p.text().nullable(),
    delegateTo: p.string().nullable(),
    decidedAt: p.datetime(),
    retractedAt: p.datetime().nullable(),
  },
});
export type Decision = InferEntity<typeof Decision>;

export const StageGrant = defineEntity({
  name: 'StageGrant',
  tableName: 'stage_grant',
  properties: {
    id: p.bigint('number').primary().autoincrement(),
    stageInstanceId: p.uuid(),
    userId: p.string(),
    kind: p.string().$type<'delegate' | 'escalation'>(),
    onBehalfOf: p.string().nullable(),
    grantedAt: p.datetime(),
  },
});
export type StageGrant = InferEntity<typeof StageGrant>;
