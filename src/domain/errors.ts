/**
 * Every refusal the approval rules can give, one definition each. The code is stable (API clients match on
 * it); the message is written for the person who clicked.
 */
export const REFUSAL_CODES = [
  'invalid_input',
  'not_found',
  'not_active',
  'stale',
  'not_eligible',
  'self_decision',
  'already_decided',
  'reason_required',
  'not_requester',
  'ambiguous_stage',
  'one_stage_per_person',
  'nothing_to_retract',
  'duplicate_active',
  'unroutable',
  'forbidden',
  'invalid_delegate',
  'cannot_resubmit',
] as const;
export type RefusalCode = (typeof REFUSAL_CODES)[number];

export class DomainError extends Error {
  readonly code: RefusalCode;
  /** Per-field problems, for forms that show errors inline. */
  readonly fieldErrors: Readonly<Record<string, string>>;

  constructor(code: RefusalCode, message: string, fieldErrors: Record<string, string> = {}) {
    super(message);
    this.name = 'DomainError';
    this.code = code;
    this.fieldErrors = fieldErrors;
  }
}

export const isDomainError = (error: unknown): error is DomainError => error instanceof DomainError;
