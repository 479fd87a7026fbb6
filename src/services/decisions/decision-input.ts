import { z } from 'zod';
import { DECISION_KINDS, DomainError, REFUSAL_CODES, slackUserIdSchema, storableText } from '../../domain/index.ts';

const key = z.string().min(8).max(300);
const base = {
  teamId: z.string().min(1),
  submissionId: z.uuid('must be a request id'),
};

/**
 * Everything that decides a request, as one command: a reviewer's decision (card, modal, API), the requester
 * withdrawing, an admin cancelling, a stage's SLA passing. Reviewer decisions carry an idempotency key
 * (the same key again returns the first outcome and writes nothing).
 */
export const decisionInputSchema = z.discriminatedUnion('kind', [
  z.object({
    ...base,
    kind: z.enum(DECISION_KINDS),
    actorId: slackUserIdSchema(),
    stageInstanceId: z.uuid().optional(),
    workflowVersion: z.number().int().positive().optional(),
    reason: z.string().max(4000).optional(),
    delegateTo: z.string().max(30).optional(),
    idempotencyKey: key,
  }),
  z.object({ ...base, kind: z.literal('withdraw'), actorId: slackUserIdSchema(), reason: storableText().max(4000).nullish(), idempotencyKey: key.optional() }),
  z.object({ ...base, kind: z.literal('cancel'), actorId: slackUserIdSchema(), reason: storableText().max(4000), idempotencyKey: key.optional() }),
  z.object({ ...base, kind: z.literal('timeout'), stageInstanceId: z.uuid() }),
  /** A stage only the requester could move (its reviewers away, delegating to them): escalated at once. */
  z.object({ ...base, kind: z.literal('cover'), stageInstanceId: z.uuid() }),
]);
export type DecisionInput = z.input<typeof decisionInputSchema>;
/** A reviewer's decision (card, modal, API), the kind whose gate can be asked before a reason is typed. */
export type ReviewerDecisionInput = Extract<DecisionInput, { kind: (typeof DECISION_KINDS)[number] }>;
export type DecisionCommand = z.output<typeof decisionInputSchema>;

/** A command from outside, parsed; a bad one is refused naming each field. */
export function parseDecision(input: DecisionInput): DecisionCommand {
  const parsed = decisionInputSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const problems = Object.fromEntries(parsed.error.issues.map((i) => [i.path.join('.') || 'kind', i.message]));
  throw new DomainError('invalid_input', `Invalid decision: ${Object.entries(problems).map(([k, v]) => `${k}: ${v}`).join('; ')}`, problems);
}

/** The outcome bound to an idempotency key, returned again for the same key. */
export const storedOutcomeSchema = z.discriminatedUnion('result', [
  z.object({
    result: z.literal('accepted'),
    submissionId: z.string(),
    kind: z.enum([...DECISION_KINDS, 'withdraw', 'cancel', 'timeout', 'cover']),
    stageInstanceId: z.string().nullable(),
    events: z.array(z.string()),
    submissionStatus: z.string(),
  }),
  z.object({ result: z.literal('refused'), code: z.enum(REFUSAL_CODES), message: z.string(), fieldErrors: z.record(z.string(), z.string()).default({}) }),
]);
export type StoredOutcome = z.infer<typeof storedOutcomeSchema>;
export type AcceptedOutcome = Extract<StoredOutcome, { result: 'accepted' }>;
