import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import type { WorkflowDefinition } from '../../domain/index.ts';

export const Workflow = defineEntity({
  name: 'Workflow',
  tableName: 'workflow',
  properties: {
    teamId: p.string().primary(),
    key: p.string().primary(),
    name: p.string(),
    currentVersion: p.integer(),
    active: p.boolean().default(true),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p.datetime().onCreate(() => new Date()).onUpdate(() => new Date()),
  },
});
export type Workflow = InferEntity<typeof Workflow>;

export const WorkflowVersion = defineEntity({
  name: 'WorkflowVersion',
  tableName: 'workflow_version',
  properties: {
    id: p.uuid().primary(),
    teamId: p.string(),
    workflowKey: p.string(),
    version: p.integer(),
    definition: p.json<WorkflowDefinition>(),
    publishedBy: p.string(),
    publishedAt: p.datetime().onCreate(() => new Date()),
  },
});
export type WorkflowVersion = InferEntity<typeof WorkflowVersion>;
