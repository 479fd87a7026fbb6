// The approval rules, one job per file: starting a request, who may decide, deciding, the requester's and
// admins' lifecycle moves, and what happens when a stage's SLA passes.
export { MAX_REASON_LENGTH, type RuleContext } from './context.ts';
export { startSubmission, type NewSubmission } from './start.ts';
export { capacityOf } from './eligibility.ts';
export { decide, type DecisionCommand } from './decide.ts';
export { cancel, withdraw } from './lifecycle.ts';
export { escalationTargets, escalationWhy, slaText, stageTiming, timedOutOutcome, timeoutReason, timeoutStage, type Escalation, type EscalationVia, type StageTiming } from './timeout.ts';
