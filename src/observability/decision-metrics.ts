import { isDomainError } from '../domain/index.ts';
import { loggerFor } from './logger.ts';
import { decisionDuration, decisionsRefusedTotal, decisionsTotal } from './metrics.ts';

const log = loggerFor('decisions');

interface RecordedDecision {
  readonly submissionId: string;
  readonly kind: string;
  readonly submissionStatus: string;
  readonly replayed: boolean;
}

/**
 * Wraps the decision door so every way in (Slack, API, timers) is counted once: recorded decisions by kind,
 * refusals by reason, and the time each took. A replayed idempotency key is not a new decision. The log
 * line names ids and outcomes only, never what people typed (reasons, field values).
 */
export function withDecisionMetrics<Args extends unknown[], Result extends RecordedDecision>(decide: (...args: Args) => Promise<Result>): (...args: Args) => Promise<Result> {
  return async (...args) => {
    const stop = decisionDuration.startTimer();
    try {
      const outcome = await decide(...args);
      const seconds = stop({ result: outcome.replayed ? 'replayed' : 'recorded' });
      if (!outcome.replayed) decisionsTotal.inc({ kind: outcome.kind, status: outcome.submissionStatus });
      log.info({ submissionId: outcome.submissionId, kind: outcome.kind, status: outcome.submissionStatus, replayed: outcome.replayed, ms: Math.round(seconds * 1000) }, 'decision recorded');
      return outcome;
    } catch (error) {
      if (isDomainError(error)) {
        stop({ result: 'refused' });
        decisionsRefusedTotal.inc({ reason: error.code });
        log.info({ reason: error.code }, 'decision refused');
      } else {
        stop({ result: 'failed' });
        log.warn({ err: error }, 'decision failed');
      }
      throw error;
    }
  };
}
