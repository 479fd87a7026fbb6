import type { ServerResponse } from 'node:http';
import { DomainError, type RefusalCode } from '../../domain/index.ts';
import { sendJson } from '../server.ts';

/** An error the API answers with a stable code, a message for people, and the HTTP status it means. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly fields: Readonly<Record<string, string>>;
  /** Response headers the error answers with (Retry-After on a 429, WWW-Authenticate on a 401). */
  readonly headers: Readonly<Record<string, string>>;

  constructor(status: number, code: string, message: string, fields: Record<string, string> = {}, headers: Record<string, string> = {}) {
    super(message);
    this.headers = headers;
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.fields = fields;
  }
}

/**
 * The one place domain refusals become HTTP statuses: bad input 400, permission 403, missing 404, a state
 * that moved on or a conflicting duplicate 409, and a rule that refused the request 422.
 */
export const STATUS_OF_REFUSAL: Record<RefusalCode, number> = {
  invalid_input: 400,
  forbidden: 403,
  not_found: 404,
  stale: 409,
  duplicate_active: 409,
  not_active: 422,
  not_eligible: 422,
  self_decision: 422,
  already_decided: 422,
  reason_required: 422,
  not_requester: 422,
  ambiguous_stage: 422,
  one_stage_per_person: 422,
  nothing_to_retract: 422,
  unroutable: 422,
  invalid_delegate: 422,
  cannot_resubmit: 422,
};

export function toApiError(error: unknown): ApiError | null {
  if (error instanceof ApiError) return error;
  if (error instanceof DomainError) return new ApiError(STATUS_OF_REFUSAL[error.code], error.code, error.message, { ...error.fieldErrors });
  return null;
}

export interface ErrorBody {
  error: { code: string; message: string; fields?: Record<string, string> };
}

export function errorBody(error: ApiError): ErrorBody {
  return { error: { code: error.code, message: error.message, ...(Object.keys(error.fields).length ? { fields: { ...error.fields } } : {}) } };
}

export function sendError(res: ServerResponse, error: ApiError, headers: Readonly<Record<string, string>> = {}): void {
  sendJson(res, error.status, errorBody(error), { ...headers });
}
