import { AUDIT_SCHEMA_VERSION, type AuditEventBody, type AuditEventType, type Capacity } from '../domain/index.ts';
import type { Sql } from '../db/sql.ts';
import type { Orm } from '../db/orm.ts';
import { inOrmTransaction, type ClosingWrites, type Committed, type Tx } from '../db/transaction.ts';
import type { RequestMeta } from './deps.ts';
import type { OutboxPayload, OutboxTopic } from './outbox-topics.ts';

export type { Committed, Tx } from '../db/transaction.ts';

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

/**
 * Everything one transaction will write besides entity changes: row writes (statements built in src/db),
 * audit events and typed outbox messages. It only collects; the transaction writes it all at commit.
 */
export class UnitOfWork {
  readonly teamId: string;
  private readonly audit: AuditEventBody[] = [];
  private readonly outbox: { topic: OutboxTopic; submissionId: string | null; payload: unknown }[] = [];
  private readonly statements: Sql[] = [];
  private readonly newId: () => string;
  private readonly meta: RequestMeta;

  constructor(teamId: string, meta: RequestMeta, newId: () => string) {
    this.teamId = teamId;
    this.meta = meta;
    this.newId = newId;
  }

  /** Adds an audit event; returns its id. */
  record(draft: AuditDraft): string {
    const eventId = this.newId();
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

  /** Queues a message for the worker, delivered only if the transaction commits. */
  enqueue<T extends OutboxTopic>(topic: T, submissionId: string | null, payload: OutboxPayload<T>): void {
    this.outbox.push({ topic, submissionId, payload });
  }

  write(statements: readonly Sql[]): void {
    this.statements.push(...statements);
  }

  closing(): ClosingWrites {
    return { teamId: this.teamId, statements: this.statements, outbox: this.outbox, audit: this.audit };
  }
}

/** Runs `work` in one transaction with a fresh unit of work, written together at commit. */
export type Transact = <T>(teamId: string, meta: RequestMeta, work: (tx: Tx, uow: UnitOfWork) => Promise<T>) => Promise<Committed<T>>;

/** `Transact` over one database: an ORM transaction whose unit of work is written at commit. */
export function createTransact(orm: Orm, newId: () => string): Transact {
  return (teamId, meta, work) => {
    const uow = new UnitOfWork(teamId, meta, newId);
    return inOrmTransaction(orm, (tx) => work(tx, uow), () => uow.closing());
  };
}
