import type { EntityManager } from '@mikro-orm/postgresql';
import pg from 'pg';
import { connectBy, NotRecordedInTime, timeLeft } from './deadline.ts';
import type { Orm } from './orm.ts';

/**
 * One SQL statement with its values written in as escaped literals. Literal statements can travel several to a
 * round trip (PostgreSQL's simple query protocol), which is what makes the hot decision path cheap.
 */
export interface Sql {
  readonly text: string;
}

export type SqlValue = string | number | boolean | null | Date | Sql;
export type SqlRow = Record<string, unknown>;

const isSql = (value: unknown): value is Sql => typeof value === 'object' && value !== null && 'text' in value && !(value instanceof Date);

/** A value as a SQL literal; strings go through pg's escaping, so no caller ever quotes by hand. */
export function literal(value: SqlValue): string {
  if (value === null) return 'null';
  if (isSql(value)) return value.text;
  if (value instanceof Date) return `${pg.escapeLiteral(value.toISOString())}::timestamptz`;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`not a finite number: ${value}`);
    return String(value);
  }
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  return pg.escapeLiteral(value);
}

/** `sql\`select * from t where id = ${id}\``: every interpolation becomes a literal (or is spliced in when it is Sql). */
export function sql(strings: TemplateStringsArray, ...values: readonly SqlValue[]): Sql {
  let text = strings[0] ?? '';
  values.forEach((value, i) => {
    text += literal(value) + (strings[i + 1] ?? '');
  });
  return { text };
}

/** A jsonb literal. */
export const json = (value: unknown): Sql => ({ text: `${pg.escapeLiteral(JSON.stringify(value))}::jsonb` });

/** `(a, b, c)` for `in` lists; callers skip the statement when the list is empty. */
export const list = (values: readonly SqlValue[]): Sql => ({ text: `(${values.map(literal).join(', ')})` });

/** `(a, b), (c, d)` for multi-row `values`. */
export const tuples = (rows: readonly (readonly SqlValue[])[]): Sql => ({ text: rows.map((row) => list(row).text).join(', ') });

/** Runs statements in order and returns each one's rows. */
export interface SqlRunner {
  run(statements: readonly Sql[]): Promise<SqlRow[][]>;
}

/** Statements inside a MikroORM unit of work (one round trip each, on its transaction's connection). */
export function entityManagerRunner(em: EntityManager): SqlRunner {
  return {
    async run(statements) {
      const results: SqlRow[][] = [];
      for (const statement of statements) results.push(await em.execute<SqlRow[]>(statement.text));
      return results;
    },
  };
}

const nativePool = async (orm: Orm): Promise<pg.Pool> => (await orm.em.getConnection().getNativeClient()) as pg.Pool;

/** Sends statements as one query text (one round trip); errors are converted the way the ORM converts them. */
async function sendBatch(orm: Orm, target: pg.Pool | pg.PoolClient, statements: readonly Sql[]): Promise<SqlRow[][]> {
  if (statements.length === 0) return [];
  try {
    const answer: pg.QueryResult<SqlRow> | pg.QueryResult<SqlRow>[] = await target.query<SqlRow>(statements.map((s) => s.text).join(';\n'));
    return (Array.isArray(answer) ? answer : [answer]).map((result) => result.rows);
  } catch (error) {
    // 57014: our statement_timeout (a deadline) cancelled a statement; the transaction cannot commit after it.
    if ((error as { code?: unknown }).code === QUERY_CANCELED) throw new NotRecordedInTime('the database did not finish in time', { cause: error });
    throw orm.em.getPlatform().getExceptionConverter().convertException(error as Error);
  }
}

const QUERY_CANCELED = '57014';

/**
 * Reads outside any transaction, all statements in one round trip on a pooled connection. They run as one
 * implicit transaction, each statement seeing what was committed when it started (as separate reads would).
 */
export function pooledRunner(orm: Orm): SqlRunner {
  return { run: async (statements) => sendBatch(orm, await nativePool(orm), statements) };
}

/**
 * The same, on a connection taken by `deadline` (epoch ms) and with a statement_timeout of the time left, so a
 * read that cannot finish in time gives up with NotRecordedInTime. The timeout is set and reset in the same
 * implicit transaction (an error rolls the SET back too), so the connection goes back to the pool as it came.
 */
export function pooledReaderBy(orm: Orm, deadline: number | undefined): SqlRunner {
  if (deadline === undefined) return pooledRunner(orm);
  return {
    async run(statements) {
      if (statements.length === 0) return [];
      const client = await connectBy(await nativePool(orm), deadline);
      try {
        const rows = await sendBatch(orm, client, [statementTimeout(deadline, 'read'), ...statements, RESET_TIMEOUT]);
        return rows.slice(1, -1);
      } finally {
        client.release();
      }
    },
  };
}

/** The same for the rest of a transaction (`set local`: it ends with the transaction, commit or rollback). */
const localTimeout = (deadline: number): Sql => ({ text: `set local statement_timeout = ${Math.ceil(timeLeft(deadline, 'finish the transaction'))}` });

/** `set statement_timeout` to the milliseconds left until `deadline` (throws when none are left). */
const statementTimeout = (deadline: number, what: string): Sql => ({ text: `set statement_timeout = ${Math.ceil(timeLeft(deadline, what))}` });

const RESET_TIMEOUT: Sql = { text: 'reset statement_timeout' };

const BEGIN = sql`begin`;

/**
 * Leads a batch (an implicit transaction) or a transaction's last statements: its commit does not wait for the
 * WAL to reach disk. Only for bookkeeping whose loss in a database crash is made good from facts committed
 * before it (a redraw marked done is drawn again, a relayed or handled event runs again), never for a decision
 * or a record of a posted message. Lost writes go in commit order, so none is lost while a later one is kept.
 */
export const WITHOUT_WAITING_FOR_DISK = sql`set local synchronous_commit = off`;
const COMMIT = sql`commit`;

/**
 * A transaction on one pooled connection (the ORM's pool) whose statements are sent in batches: `begin` rides
 * with the first read and `commit` with the last writes, so a read-decide-write transaction costs three round
 * trips. Errors are converted the way the ORM converts them, so callers see the same exception types.
 */
export class BatchedTransaction {
  private readonly client: pg.PoolClient;
  private readonly orm: Orm;
  private readonly deadline: number | undefined;
  private started = false;
  private finished = false;

  private constructor(orm: Orm, client: pg.PoolClient, deadline: number | undefined) {
    this.orm = orm;
    this.client = client;
    this.deadline = deadline;
  }

  /**
   * With a `deadline` (epoch ms) the transaction must commit by then or not at all: the connection is waited
   * for until then, every batch carries a statement_timeout of the time left (a lock wait or a slow statement
   * aborts the transaction), and `commit` refuses to send the commit once the deadline has passed. So when it
   * throws NotRecordedInTime, nothing was committed; when `commit` returns, everything was.
   */
  static async open(orm: Orm, deadline?: number): Promise<BatchedTransaction> {
    return new BatchedTransaction(orm, await connectBy(await nativePool(orm), deadline), deadline);
  }

  /**
   * Runs `work` in a transaction and gives its connection back after: `work` commits (see commit); a transaction
   * it leaves open, or one it fails in, is rolled back, and a connection that cannot roll back is discarded.
   */
  static async within<T>(orm: Orm, deadline: number | undefined, work: (tx: BatchedTransaction) => Promise<T>): Promise<T> {
    const tx = await BatchedTransaction.open(orm, deadline);
    let broken = false;
    try {
      const result = await work(tx);
      await tx.rollback();
      return result;
    } catch (error) {
      await tx.rollback().catch(() => {
        broken = true;
      });
      throw error;
    } finally {
      tx.release(broken);
    }
  }

  /** Runs statements inside the transaction (opening it with the first batch) and returns each one's rows. */
  async run(statements: readonly Sql[]): Promise<SqlRow[][]> {
    const lead = [...(this.started ? [] : [BEGIN]), ...(this.deadline === undefined ? [] : [localTimeout(this.deadline)])];
    this.started = true;
    const results = await this.send([...lead, ...statements]);
    return results.slice(lead.length);
  }

  /** The last writes and `commit` in one round trip; returns the writes' rows. */
  async commit(statements: readonly Sql[]): Promise<SqlRow[][]> {
    const results = await this.run([...statements, COMMIT]);
    this.finished = true;
    return results.slice(0, statements.length);
  }

  /** Rolls back if anything was sent (an error mid-batch leaves the transaction aborted, not closed). */
  async rollback(): Promise<void> {
    if (!this.started || this.finished) return;
    this.finished = true;
    await this.client.query('rollback');
  }

  /** Returns the connection to the pool; a broken one is discarded. */
  release(broken = false): void {
    this.client.release(broken);
  }

  private send(statements: readonly Sql[]): Promise<SqlRow[][]> {
    return sendBatch(this.orm, this.client, statements);
  }
}

/** `array['a', 'b']::text[]` (or an empty one), for `= any(...)` with a list of any length. */
export const textArray = (values: readonly string[]): Sql => ({ text: values.length ? `array[${values.map((v) => literal(v)).join(', ')}]::text[]` : `'{}'::text[]` });

/** The same for uuids. */
export const uuidArray = (values: readonly string[]): Sql => ({ text: values.length ? `array[${values.map((v) => literal(v)).join(', ')}]::uuid[]` : `'{}'::uuid[]` });

/** The same for bigint ids. */
export const bigintArray = (values: readonly number[]): Sql => ({ text: values.length ? `array[${values.map((v) => literal(v)).join(', ')}]::bigint[]` : `'{}'::bigint[]` });
