// The approval rules, one job per file: starting a request, who may decide, deciding, the requester's and
// admins' lifecycle moves, covering a stage only the requester could move, and what happens when a stage's SLA passes.
export { MAX_REASON_LENGTH, type RuleContext } from './context.ts';
export { checkRevisable, startSubmission, type NewSubmission } from './start.ts';
export { capacityOf, mayDecide, mayRetract, sayInUse, stageAudience, type AskedPerson, type StageAudience } from './eligibility.ts';
export { admit, decide, type Admitted, type DecisionCommand } from './decide.ts';
export { cancel, withdraw } from './lifecycle.ts';
export { coverStage } from './cover.ts';
export { escalationTargets, escalationWhy, slaText, stageTiming, timedOutOutcome, timeoutReason, timeoutStage, type Escalation, type EscalationVia, type StageTiming } from './timeout.ts';
