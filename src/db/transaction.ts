import type { EntityManager } from '@mikro-orm/postgresql';
import type { AuditEventBody } from '../domain/index.ts';
import { appendedFromRows, auditAppend, type AppendedEvent } from './audit-store.ts';
import type { Orm } from './orm.ts';
import { BatchedTransaction, entityManagerRunner, json, sql, tuples, type Sql, type SqlRunner } from './sql.ts';

/**
 * An open transaction as repositories see it: the ORM's unit of work for entity changes, and a runner for
 * statements on the same connection. Services hold it only to hand it back to repository functions.
 */
export interface Tx {
  readonly em: EntityManager;
  readonly sql: SqlRunner;
}

/** What a transaction writes besides entity changes, in this order: row writes, outbox rows, the audit append. */
export interface ClosingWrites {
  readonly teamId: string;
  readonly statements: readonly Sql[];
  readonly outbox: readonly { readonly topic: string; readonly submissionId: string | null; readonly payload: unknown }[];
  readonly audit: readonly AuditEventBody[];
}

export interface Committed<T> {
  readonly result: T;
  readonly appended: AppendedEvent[];
}

/** The closing statements; the audit append goes last because it holds the chain head's lock until commit. */
function closingStatements(writes: ClosingWrites): { statements: Sql[]; auditAt: number } {
  const statements = [...writes.statements];
  if (writes.outbox.length) {
    const rows = tuples(writes.outbox.map((m) => [writes.teamId, m.submissionId, m.topic, json(m.payload)]));
    statements.push(sql`insert into outbox (team_id, submission_id, topic, payload) values ${rows}`);
  }
  if (writes.audit.length === 0) return { statements, auditAt: -1 };
  return { statements: [...statements, auditAppend(writes.teamId, writes.audit)], auditAt: statements.length };
}

/**
 * One ORM transaction: `work` changes entities and reads through the Tx, then the entity changes are flushed
 * and the closing writes sent. Nothing leaves the process here.
 */
export async function inOrmTransaction<T>(orm: Orm, work: (tx: Tx) => Promise<T>, closing: () => ClosingWrites): Promise<Committed<T>> {
  return orm.em.fork().transactional(async (em) => {
    const result = await work({ em, sql: entityManagerRunner(em) });
    await em.flush();
    const close = closingStatements(closing());
    const rows = await entityManagerRunner(em).run(close.statements);
    return { result, appended: close.auditAt < 0 ? [] : appendedFromRows(rows[close.auditAt] ?? []) };
  });
}

/**
 * The same on the hot path, without the ORM: `work` reads through the runner (each call one round trip, the
 * first also opening the transaction) and the closing writes go with `commit` in one last round trip. With a
 * `deadline` it commits by then or throws NotRecordedInTime having committed nothing (BatchedTransaction.open).
 */
export async function inBatchedTransaction<T>(orm: Orm, work: (tx: SqlRunner) => Promise<T>, closing: () => ClosingWrites, deadline?: number): Promise<Committed<T>> {
  return BatchedTransaction.within(orm, deadline, async (tx) => {
    const result = await work(tx);
    const close = closingStatements(closing());
    const rows = await tx.commit(close.statements);
    return { result, appended: close.auditAt < 0 ? [] : appendedFromRows(rows[close.auditAt] ?? []) };
  });
}
