import type { EntityManager } from '@mikro-orm/postgresql';
import { AUDIT_SCHEMA_VERSION, type AuditEventBody, type AuditEventType, type Capacity } from '../domain/index.ts';
import { appendedFromRows, auditAppend, type AppendedEvent } from '../db/audit-store.ts';
import { BatchedTransaction, entityManagerRunner, json, sql, tuples, type Sql } from '../db/sql.ts';
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

/** Everything one transaction will write besides entity state: row writes, audit events and outbox messages. */
export class UnitOfWork {
  readonly teamId: string;
  readonly audit: AuditEventBody[] = [];
  readonly outbox: { topic: string; submissionId: string | null; payload: Record<string, unknown> }[] = [];
  /** Row writes, sent in order before the outbox and the audit append. */
  readonly writes: Sql[] = [];
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

  write(statements: readonly Sql[]): void {
    this.writes.push(...statements);
  }

  /** What the transaction ends with: the row writes, the outbox rows, then the audit append (last: it holds the chain lock). */
  closingStatements(): { statements: Sql[]; auditAt: number } {
    const statements = [...this.writes];
    if (this.outbox.length) {
      const rows = tuples(this.outbox.map((m) => [this.teamId, m.submissionId, m.topic, json(m.payload)]));
      statements.push(sql`insert into outbox (team_id, submission_id, topic, payload) values ${rows}`);
    }
    if (this.audit.length === 0) return { statements, auditAt: -1 };
    return { statements: [...statements, auditAppend(this.teamId, this.audit)], auditAt: statements.length };
  }
}

export interface Committed<T> {
  readonly result: T;
  readonly appended: AppendedEvent[];
}

/**
 * One transaction: the callback changes state and records row writes, audit events and outbox messages; they
 * are written together, the audit append last (it holds the chain lock until commit). Nothing leaves the
 * process here.
 */
export async function inTransaction<T>(deps: ServiceDeps, teamId: string, meta: RequestMeta, work: (em: EntityManager, uow: UnitOfWork) => Promise<T>): Promise<Committed<T>> {
  const em = deps.orm.em.fork();
  return em.transactional(async (tx) => {
    const uow = new UnitOfWork(deps, teamId, meta);
    const result = await work(tx, uow);
    await tx.flush();
    const closing = uow.closingStatements();
    const rows = await entityManagerRunner(tx).run(closing.statements);
    return { result, appended: closing.auditAt < 0 ? [] : appendedFromRows(rows[closing.auditAt] ?? []) };
  });
}

/**
 * The same unit of work on the hot path, without the ORM: the callback reads through `tx` (each call one round
 * trip, the first also opening the transaction), and everything the unit of work holds is written with
 * `commit` in one last round trip. Three round trips for a read-decide-write transaction.
 */
export async function inBatchedTransaction<T>(deps: ServiceDeps, teamId: string, meta: RequestMeta, work: (tx: BatchedTransaction, uow: UnitOfWork) => Promise<T>): Promise<Committed<T>> {
  const tx = await BatchedTransaction.open(deps.orm);
  let broken = false;
  try {
    const uow = new UnitOfWork(deps, teamId, meta);
    const result = await work(tx, uow);
    const closing = uow.closingStatements();
    const rows = await tx.commit(closing.statements);
    return { result, appended: closing.auditAt < 0 ? [] : appendedFromRows(rows[closing.auditAt] ?? []) };
  } catch (error) {
    await tx.rollback().catch(() => {
      broken = true;
    });
    throw error;
  } finally {
    tx.release(broken);
  }
}
