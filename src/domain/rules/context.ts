import type { Directory } from '../routing.ts';

/** What every rule is given: the time, the directory slice it may ask, and a source of new ids. */
export interface RuleContext {
  readonly now: Date;
  readonly directory: Directory;
  readonly newId: () => string;
}

export const MAX_REASON_LENGTH = 2000;
export const HOUR_MS = 3_600_000;
