import { z } from 'zod';
import { DECISION_KINDS, DomainError, REFUSAL_CODES, decide, timeoutStage, type SubmissionState } from '../domain/index.ts';
import { loadDirectory } from '../db/directory-repository.ts';
import { IdempotencyRecord } from '../db/entities/index.ts';
import { loadSubmission } from '../db/submission-repository.ts';
import type { RequestMeta, ServiceDeps } from './deps.ts';
import { commitEvents, loadDefinition, peopleOf, rolesOf, ruleContext } from './submission-service.ts';
import { inTransaction } from './unit-of-work.ts';

export const decisionInputSchema = z.object({
  teamId: z.string().min(1),
  submissionId: z.uuid('must be a request id'),
  kind: z.enum(DECISION_KINDS),
  actorId: z.string().regex(/^[UW][A-Z0-9]{2,20}$/, 'must be a Slack user id'),
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

/** The key already has an outcome: leave this transaction without writing and return that outcome. */
class AlreadyDecided extends Error {}

export function createDecisionService(deps: ServiceDeps) {
  async function storedOutcome(teamId: string, key: string): Promise<DecisionOutcome> {
    const record = await deps.orm.em.fork().findOneOrFail(IdempotencyRecord, { teamId, key });
    return { ...outcomeSchema.parse(record.outcome), replayed: true };
  }

  /**
   * The one door for every decision. Accepted decisions return their outcome; refusals are recorded in the
   * audit trail and thrown as DomainError. Either way the outcome is bound to the idempotency key.
   */
  async function submitDecision(input: DecisionInput, meta: RequestMeta): Promise<AcceptedDecision & { replayed: boolean }> {
    const parsed = decisionInputSchema.safeParse(input);
    if (!parsed.success) {
      const problems = Object.fromEntries(parsed.error.issues.map((i) => [i.path.join('.'), i.message]));
      throw new DomainError('invalid_input', `Invalid decision: ${Object.entries(problems).map(([k, v]) => `${k}: ${v}`).join('; ')}`, problems);
    }
    const cmd = parsed.data;
    let outcome: DecisionOutcome;
    try {
      const { result } = await inTransaction(deps, cmd.teamId, meta, async (em, uow) => {
        // Claiming the key first: a concurrent twin waits here until we commit, then finds our outcome.
        const claimed = await em.execute<{ key: string }[]>(
          `insert into idempotency_record (team_id, key, submission_id, outcome) values (?, ?, ?, '{}') on conflict do nothing returning key`,
          [cmd.teamId, cmd.idempotencyKey, cmd.submissionId],
        );
        if (claimed.length === 0) throw new AlreadyDecided();

        const loaded = await loadSubmission(em, cmd.submissionId, { lock: true });
        let state: SubmissionState | null = loaded && loaded.state.teamId === cmd.teamId ? loaded.state : null;
        let stored: z.infer<typeof outcomeSchema>;
        if (!loaded || !state) {
          stored = { result: 'refused', code: 'not_found', message: 'That request does not exist.', fieldErrors: {} };
        } else {
          const definition = await loadDefinition(em, loaded.workflowVersionId);
          const directory = await loadDirectory(em, {
            teamId: cmd.teamId, roles: rolesOf(definition), people: peopleOf(state, [cmd.actorId]), workflowKey: state.workflowKey, at: deps.clock(),
          });
          const ctx = ruleContext(deps, directory);
          try {
            const events = decide(state, definition, cmd, ctx);
            state = await commitEvents(em, uow, state, events, loaded.workflowVersionId, ctx.now);
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
        await em.execute('update idempotency_record set outcome = ?::jsonb where team_id = ? and key = ?', [JSON.stringify(stored), cmd.teamId, cmd.idempotencyKey]);
        return stored;
      });
      outcome = { ...result, replayed: false };
    } catch (error) {
      if (!(error instanceof AlreadyDecided)) throw error;
      outcome = await storedOutcome(cmd.teamId, cmd.idempotencyKey);
    }
    if (outcome.result === 'refused') throw new DomainError(outcome.code, outcome.message, outcome.fieldErrors);
    return outcome;
  }

  /** A stage's SLA timer fired. Safe to call late or twice: the rule re-checks the stage first. */
  async function applyTimeout(teamId: string, submissionId: string, stageInstanceId: string, meta: RequestMeta): Promise<SubmissionState | null> {
    const { result } = await inTransaction(deps, teamId, meta, async (em, uow) => {
      const loaded = await loadSubmission(em, submissionId, { lock: true });
      if (!loaded) return null;
      const definition = await loadDefinition(em, loaded.workflowVersionId);
      const directory = await loadDirectory(em, { teamId, roles: rolesOf(definition), people: peopleOf(loaded.state), workflowKey: loaded.state.workflowKey, at: deps.clock() });
      const ctx = ruleContext(deps, directory);
      const events = timeoutStage(loaded.state, definition, stageInstanceId, ctx);
      if (events.length === 0) return null;
      return commitEvents(em, uow, loaded.state, events, loaded.workflowVersionId, ctx.now);
    });
    return result;
  }

  return { decide: submitDecision, applyTimeout };
}
export type DecisionService = ReturnType<typeof createDecisionService>;
