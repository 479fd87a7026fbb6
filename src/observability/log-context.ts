import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

/**
 * What ties log lines, audit events and jobs to one piece of work: the trace id of the request or job that
 * started it, and the correlation id of the thing it concerns (a submission, an outbox row, a job).
 */
export interface LogContext {
  readonly traceId: string;
  readonly correlationId?: string | undefined;
  /** Where the work came in: `http`, `slack`, `job:<queue>`, `relay`, ... */
  readonly source?: string | undefined;
  /** The Enterprise Grid org a Slack request came from, when Slack names one (recorded on its audit events). */
  readonly enterpriseId?: string | undefined;
  /** When the request reached our HTTP server (epoch ms): a Slack click's ack budget counts from here. */
  readonly receivedAt?: number | undefined;
}

const storage = new AsyncLocalStorage<LogContext>();

/** Runs `work` with `context` visible to every log line and service call it makes, across awaits. */
export function runInContext<T>(context: LogContext, work: () => T): T {
  return storage.run(context, work);
}

export const currentContext = (): LogContext | undefined => storage.getStore();

/** The running trace id, or a new one when the work did not start in a traced context. */
export const currentTraceId = (): string => storage.getStore()?.traceId ?? randomUUID();

/** A W3C `traceparent` or an `x-request-id` from the caller when well formed, so traces join across services. */
export function traceIdFromHeaders(headers: Record<string, string | string[] | undefined>): string {
  const traceparent = headers.traceparent;
  if (typeof traceparent === 'string') {
    const match = /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/.exec(traceparent);
    if (match?.[1]) return match[1];
  }
  const requestId = headers['x-request-id'];
  if (typeof requestId === 'string' && /^[A-Za-z0-9._-]{8,128}$/.test(requestId)) return requestId;
  return randomUUID();
}
