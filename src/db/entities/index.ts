import { Workflow, WorkflowVersion } from './workflow.ts';
import { Decision, StageGrant, StageInstance, Submission } from './submission.ts';
import { AppAdmin, Delegation, Role, RoleMember, UserManager } from './directory.ts';
import { IdempotencyRecord, OutboxMessage } from './records.ts';
import { PROOF_ENTITIES } from './proof.ts';
import { DELIVERY_ENTITIES } from './delivery.ts';

export * from './workflow.ts';
export * from './submission.ts';
export * from './directory.ts';
export * from './records.ts';
export * from './proof.ts';
export * from './delivery.ts';

export const ALL_ENTITIES = [
  Workflow, WorkflowVersion, Submission, StageInstance, Decision, StageGrant,
  Role, RoleMember, UserManager, AppAdmin, Delegation, IdempotencyRecord, OutboxMessage,
  ...PROOF_ENTITIES,
  ...DELIVERY_ENTITIES,
];
