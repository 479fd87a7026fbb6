import type { EntityManager } from '@mikro-orm/postgresql';
import { AUDIT_SCHEMA_VERSION, type AuditEventBody, type AuditEventType, type Capacity } from '../domain/index.ts';
import { appendAuditEvents, type AppendedEvent } from '../db/audit-store.ts';
import { OutboxMessage } from '../db/entities/index.ts';
import type { RequestMeta, ServiceDeps } from './deps.ts';

export interface AuditDraft {
  readonly type: AuditEventType;
  readonly submissionId?: string | null;
  readonly workflowKey?: string | null;
  readonly workflowVersion?: number | null;
  readonly stageInstanceId?: string | null;
  readonly stageId?: string | null;
  readonly actorId?: string | null;
  readonly capacity?: Capacity | null;
  readonly reason?: string | null;
  readonly details?: Record<string, unknown>;
}

/** Everything one transaction will write besides entity state: audit events and outbox messages. */
export class UnitOfWork {
  readonly teamId: string;
  readonly audit: AuditEventBody[] = [];
  readonly outbox: { topic: string; submissionId: string | null; payload: Record<string, unknown> }[] = [];
  private readonly deps: ServiceDeps;
  private readonly meta: RequestMeta;

  constructor(deps: ServiceDeps, teamId: string, meta: RequestMeta) {
    this.deps = deps;
    this.teamId = teamId;
    this.meta = meta;
  }

  record(draft: AuditDraft): string {
    const eventId = this.deps.newId();
    this.audit.push({
      eventId,
      type: draft.type,
      teamId: this.teamId,
      submissionId: draft.submissionId ?? null,
      workflowKey: draft.workflowKey ?? null,
      workflowVersion: draft.workflowVersion ?? null,
      stageInstanceId: draft.stageInstanceId ?? null,
      stageId: draft.stageId ?? null,
      actorId: draft.actorId ?? null,
      capacity: draft.capacity ?? null,
      reason: draft.reason ?? null,
      details: draft.details ?? {},
      origin: this.meta.origin,
      correlationId: draft.submissionId ?? null,
      traceId: this.meta.traceId ?? null,
      schemaVersion: AUDIT_SCHEMA_VERSION,
    });
    return eventId;
  }

  enqueue(topic: string, submissionId: string | null, payload: Record<string, unknown>): void {
    this.outbox.push({ topic, submissionId, payload });
  }
}

export interface Committed<T> {
  readonly result: T;
  readonly appended: AppendedEvent[];
}

/**
 * One transaction: the callback changes state and records audit events and outbox messages; they are written
 * together, the audit append last (it holds the chain lock until commit). Nothing leaves the process here.
 */
export async function inTransaction<T>(deps: ServiceDeps, teamId: string, meta: RequestMeta, work: (em: EntityManager, uow: UnitOfWork) => Promise<T>): Promise<Committed<T>> {
  const em = deps.orm.em.fork();
  return em.transactional(async (tx) => {
    const uow = new UnitOfWork(deps, teamId, meta);
    const result = await work(tx, uow);
    for (const message of uow.outbox) {
      tx.create(OutboxMessage, { teamId, submissionId: message.submissionId, topic: message.topic, payload: message.payload });
    }
    await tx.flush();
    const appended = await appendAuditEvents(tx, teamId, uow.audit);
    return { result, appended };
  });
}
