import { z } from 'zod';
import { DECISION_KINDS, DomainError, REFUSAL_CODES, decide, timeoutStage, type Directory, type SubmissionState } from '../domain/index.ts';
import { directoryReads, loadDirectory, readDirectory } from '../db/directory-repository.ts';
import { IdempotencyRecord } from '../db/entities/index.ts';
import { entityManagerRunner, json, sql, type BatchedTransaction } from '../db/sql.ts';
import { loadSubmission, submissionFromRows, submissionPeopleQuery, submissionReads, type LoadedSubmission } from '../db/submission-repository.ts';
import type { RequestMeta, ServiceDeps } from './deps.ts';
import { commitEvents, knownDefinition, loadDefinition, peopleOf, rememberWorkflowVersion, rolesOf, ruleContext } from './submission-service.ts';
import { inBatchedTransaction, inTransaction } from './unit-of-work.ts';
import { slackUserIdSchema } from '../domain/index.ts';

export const decisionInputSchema = z.object({
  teamId: z.string().min(1),
  submissionId: z.uuid('must be a request id'),
  kind: z.enum(DECISION_KINDS),
  actorId: slackUserIdSchema(),
  stageInstanceId: z.uuid().optional(),
  workflowVersion: z.number().int().positive().optional(),
  reason: z.string().max(4000).optional(),
  delegateTo: z.string().max(30).optional(),
  /** The same key again returns the first outcome and writes nothing (Slack retries, double submits, API retries). */
  idempotencyKey: z.string().min(8).max(300),
});
export type DecisionInput = z.input<typeof decisionInputSchema>;

const outcomeSchema = z.discriminatedUnion('result', [
  z.object({
    result: z.literal('accepted'),
    submissionId: z.string(),
    kind: z.enum(DECISION_KINDS),
    stageInstanceId: z.string().nullable(),
    events: z.array(z.string()),
    submissionStatus: z.string(),
  }),
  z.object({ result: z.literal('refused'), code: z.enum(REFUSAL_CODES), message: z.string(), fieldErrors: z.record(z.string(), z.string()).default({}) }),
]);
export type DecisionOutcome = z.infer<typeof outcomeSchema> & { readonly replayed: boolean };
export type AcceptedDecision = Extract<DecisionOutcome, { result: 'accepted' }>;

export interface DecisionOptions {
  /** Called after commit with the submission as this decision left it (not for a replayed key), so a caller can redraw without reading it again. */
  readonly onCommitted?: (state: SubmissionState) => void;
}

/** The key already has an outcome: leave this transaction without writing and return that outcome. */
class AlreadyDecided extends Error {}

type DecisionCommand = z.output<typeof decisionInputSchema>;

/**
 * The first round trip of a decision: claim the idempotency key (first: a concurrent twin waits here until we
 * commit, then finds our outcome and rolls back the row lock it took right after), lock and read the
 * submission, and, when its workflow version is already known, its directory slice for everyone the
 * submission names (a superset of whom a decision looks up). Throws AlreadyDecided for a claimed key.
 */
async function claimAndRead(tx: BatchedTransaction, cmd: DecisionCommand, at: Date): Promise<{ loaded: LoadedSubmission | null; directoryIfKnown: Directory | null }> {
  const known = knownDefinition(cmd.submissionId);
  const directory = known ? directoryReads({
    teamId: cmd.teamId, roles: rolesOf(known.definition), people: submissionPeopleQuery(cmd.submissionId, [cmd.actorId]), workflowKey: known.definition.key, at,
  }) : null;
  const reads = submissionReads(cmd.submissionId, { lock: true });
  const [claimed = [], ...rows] = await tx.run([
    sql`insert into idempotency_record (team_id, key, submission_id, outcome) values (${cmd.teamId}, ${cmd.idempotencyKey}, ${cmd.submissionId}, '{}') on conflict do nothing returning key`,
    ...reads,
    ...(directory?.statements ?? []),
  ]);
  if (claimed.length === 0) throw new AlreadyDecided();
  const loaded = submissionFromRows(rows.slice(0, reads.length));
  const versionMatches = directory && known && loaded?.workflowVersionId === known.workflowVersionId;
  return { loaded, directoryIfKnown: versionMatches ? directory.build(rows.slice(reads.length)) : null };
}

export function createDecisionService(deps: ServiceDeps) {
  async function storedOutcome(teamId: string, key: string): Promise<DecisionOutcome> {
    const record = await deps.orm.em.fork().findOneOrFail(IdempotencyRecord, { teamId, key });
    return { ...outcomeSchema.parse(record.outcome), replayed: true };
  }

  /**
   * The one door for every decision. Accepted decisions return their outcome; refusals are recorded in the audit trail and thrown as DomainError. Either
   * way the outcome is bound to the idempotency key. Two or three round trips: claim the key and lock and read
   * the submission (with its directory slice when its version is known); the directory slice otherwise; the
   * rows, outcome, outbox and audit written with the commit.
   */
  async function submitDecision(input: DecisionInput, meta: RequestMeta, options: DecisionOptions = {}): Promise<AcceptedDecision & { replayed: boolean }> {
    const parsed = decisionInputSchema.safeParse(input);
    if (!parsed.success) {
      const problems = Object.fromEntries(parsed.error.issues.map((i) => [i.path.join('.'), i.message]));
      throw new DomainError('invalid_input', `Invalid decision: ${Object.entries(problems).map(([k, v]) => `${k}: ${v}`).join('; ')}`, problems);
    }
    const cmd = parsed.data;
    let outcome: DecisionOutcome;
    let decided: SubmissionState | undefined;
    try {
      const { result } = await inBatchedTransaction(deps, cmd.teamId, meta, async (tx, uow) => {
        const at = deps.clock();
        const { loaded, directoryIfKnown } = await claimAndRead(tx, cmd, at);
        let state: SubmissionState | null = loaded && loaded.state.teamId === cmd.teamId ? loaded.state : null;
        let stored: z.infer<typeof outcomeSchema>;
        if (!loaded || !state) {
          stored = { result: 'refused', code: 'not_found', message: 'That request does not exist.', fieldErrors: {} };
        } else {
          rememberWorkflowVersion(state.id, loaded.workflowVersionId);
          const definition = await loadDefinition(tx, loaded.workflowVersionId);
          const directory = directoryIfKnown
            ?? await readDirectory(tx, { teamId: cmd.teamId, roles: rolesOf(definition), people: peopleOf(state, [cmd.actorId]), workflowKey: state.workflowKey, at });
          const ctx = ruleContext(deps, directory);
          try {
            const events = decide(state, definition, cmd, ctx);
            state = commitEvents(uow, state, events, loaded.workflowVersionId, ctx.now);
            decided = state;
            stored = {
              result: 'accepted',
              submissionId: state.id,
              kind: cmd.kind,
              stageInstanceId: events[0]?.stageInstanceId ?? null,
              events: events.map((e) => e.type),
              submissionStatus: state.status,
            };
          } catch (error) {
            if (!(error instanceof DomainError)) throw error;
            stored = { result: 'refused', code: error.code, message: error.message, fieldErrors: { ...error.fieldErrors } };
            uow.record({
              type: 'decision.refused',
              submissionId: state.id,
              workflowKey: state.workflowKey,
              workflowVersion: state.workflowVersion,
              stageInstanceId: cmd.stageInstanceId ?? null,
              actorId: cmd.actorId,
              reason: error.message,
              details: { action: cmd.kind, code: error.code },
            });
          }
        }
        uow.write([sql`update idempotency_record set outcome = ${json(stored)} where team_id = ${cmd.teamId} and key = ${cmd.idempotencyKey}`]);
        return stored;
      });
      outcome = { ...result, replayed: false };
    } catch (error) {
      if (!(error instanceof AlreadyDecided)) throw error;
      outcome = await storedOutcome(cmd.teamId, cmd.idempotencyKey);
    }
    if (outcome.result === 'refused') throw new DomainError(outcome.code, outcome.message, outcome.fieldErrors);
    if (decided) options.onCommitted?.(decided);
    return outcome;
  }

  /** A stage's SLA timer fired. Safe to call late or twice: the rule re-checks the stage first. */
  async function applyTimeout(teamId: string, submissionId: string, stageInstanceId: string, meta: RequestMeta): Promise<SubmissionState | null> {
    const { result } = await inTransaction(deps, teamId, meta, async (em, uow) => {
      const loaded = await loadSubmission(em, submissionId, { lock: true });
      if (!loaded) return null;
      const definition = await loadDefinition(entityManagerRunner(em), loaded.workflowVersionId);
      const directory = await loadDirectory(em, { teamId, roles: rolesOf(definition), people: peopleOf(loaded.state), workflowKey: loaded.state.workflowKey, at: deps.clock() });
      const ctx = ruleContext(deps, directory);
      const events = timeoutStage(loaded.state, definition, stageInstanceId, ctx);
      if (events.length === 0) return null;
      return commitEvents(uow, loaded.state, events, loaded.workflowVersionId, ctx.now);
    });
    return result;
  }

  return { decide: submitDecision, applyTimeout };
}
export type DecisionService = ReturnType<typeof createDecisionService>;
