import type { PostgreSqlConnection } from '@mikro-orm/postgresql';
import type { PoolClient } from 'pg';
import type { AuditEventType, AuditOrigin, AuditRow, Capacity, ChainLink } from '../domain/index.ts';
import { AUDIT_LINK_COLUMNS, AUDIT_TIME_SQL } from './audit-store.ts';
import type { SignedCheckpoint } from '../domain/checkpoint.ts';
import type { Orm } from './orm.ts';
import { sql, type SqlRow, type SqlRunner } from './sql.ts';

const ROW_COLUMNS = `chain_id, seq, event_id, ${AUDIT_TIME_SQL}, type, team_id, submission_id, workflow_key, workflow_version, stage_instance_id, stage_id, actor_id, capacity, reason, details, origin, correlation_id, trace_id, schema_version, prev_hash, hash`;

type RowTuple = [
  string, string, string, string, string, string, string | null, string | null, number | null, string | null, string | null,
  string | null, Capacity | null, string | null, Record<string, unknown>, AuditOrigin, string | null, string | null, number, string, string,
];

function fromTuple(r: RowTuple): AuditRow {
  return {
    chainId: r[0], seq: Number(r[1]), eventId: r[2], occurredAt: r[3], type: r[4] as AuditEventType, teamId: r[5],
    submissionId: r[6], workflowKey: r[7], workflowVersion: r[8], stageInstanceId: r[9], stageId: r[10], actorId: r[11],
    capacity: r[12], reason: r[13], details: r[14], origin: r[15], correlationId: r[16], traceId: r[17], schemaVersion: r[18],
    prevHash: r[19], hash: r[20],
  };
}

/** Filters of the audit API and of exports; every filter narrows one chain read in sequence order. */
export interface AuditFilter {
  readonly afterSeq?: number;
  readonly uptoSeq?: number;
  readonly actorId?: string;
  readonly types?: readonly string[];
  readonly excludeTypes?: readonly string[];
  readonly workflowKey?: string;
  readonly submissionId?: string;
  readonly from?: Date;
  readonly to?: Date;
}

function whereOf(chainId: string, filter: AuditFilter): { sql: string; values: unknown[] } {
  const values: unknown[] = [chainId, filter.afterSeq ?? 0];
  const clauses = ['chain_id = $1', 'seq > $2'];
  const add = (clause: string, value: unknown) => {
    values.push(value);
    clauses.push(clause.replace('?', `$${values.length}`));
  };
  if (filter.uptoSeq !== undefined) add('seq <= ?', filter.uptoSeq);
  if (filter.actorId) add('actor_id = ?', filter.actorId);
  if (filter.types?.length) add('type = any(?)', filter.types);
  if (filter.excludeTypes?.length) add('type <> all(?)', filter.excludeTypes);
  if (filter.workflowKey) add('workflow_key = ?', filter.workflowKey);
  if (filter.submissionId) add('submission_id = ?::uuid', filter.submissionId);
  if (filter.from) add('occurred_at >= ?', filter.from.toISOString());
  if (filter.to) add('occurred_at < ?', filter.to.toISOString());
  return { sql: clauses.join(' and '), values };
}

async function withClient<T>(orm: Orm, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const pool = await (orm.em.getConnection() as PostgreSqlConnection).getNativeClient();
  const client = await pool.connect();
  try {
    return await work(client);
  } finally {
    client.release();
  }
}

/**
 * Reads one chain in sequence order as pages (keyset pagination, constant memory), on a raw `pg` connection
 * with array rows: verifying and exporting millions of rows spends its time hashing, not building objects.
 * The next page is requested before the current one is handed out, so the database works while the caller
 * hashes.
 */
async function* chainPages<Row>(orm: Orm, chainId: string, filter: AuditFilter, pageSize: number, columns: string, convert: (tuple: unknown[]) => Row): AsyncGenerator<Row[]> {
  const pool = await (orm.em.getConnection() as PostgreSqlConnection).getNativeClient();
  const client = await pool.connect();
  try {
    const fetchPage = (after: number) => {
      const where = whereOf(chainId, { ...filter, afterSeq: after });
      return client.query<unknown[]>({ text: `select ${columns} from audit_event where ${where.sql} order by seq limit ${pageSize}`, values: where.values, rowMode: 'array' });
    };
    let pending = fetchPage(filter.afterSeq ?? 0);
    for (;;) {
      const { rows } = await pending;
      const last = rows[rows.length - 1];
      // Both column lists put seq at index 1 (rows) or 0 (links); the converted row carries it either way.
      const page = rows.map(convert);
      const lastSeq = last ? (page[page.length - 1] as { seq: number }).seq : 0;
      if (rows.length === pageSize) pending = fetchPage(lastSeq);
      yield page;
      if (rows.length < pageSize) return;
    }
  } finally {
    client.release();
  }
}

/** Whole rows of one chain, in pages, for exports and the audit API. */
export const readChainPages = (orm: Orm, chainId: string, filter: AuditFilter = {}, pageSize = 10_000): AsyncGenerator<AuditRow[]> =>
  chainPages(orm, chainId, filter, pageSize, ROW_COLUMNS, (tuple) => fromTuple(tuple as RowTuple));

/** What verification needs of each row, the body computed by the database from the stored columns. */
export const readLinkPages = (orm: Orm, chainId: string, afterSeq = 0, pageSize = 10_000): AsyncGenerator<ChainLink[]> =>
  chainPages(orm, chainId, { afterSeq }, pageSize, AUDIT_LINK_COLUMNS, (t): ChainLink => ({
    chainId, seq: Number(t[0]), occurredAt: t[1] as string, prevHash: t[2] as string, hash: t[3] as string, body: t[4] as string, eventId: t[5] as string, type: t[6] as string,
  }));

/**
 * One page of a filtered chain read plus the chain's last sequence number, both from one statement (one
 * snapshot): a poller that continues after that number never skips a row that matched but was not yet seen.
 */
export async function readAuditPage(orm: Orm, chainId: string, filter: AuditFilter, limit: number): Promise<{ rows: AuditRow[]; headSeq: number }> {
  return withClient(orm, async (client) => {
    const where = whereOf(chainId, filter);
    const result = await client.query<unknown[]>({
      text: `with head as (select coalesce(max(seq), 0) as head_seq from audit_event where chain_id = $1),
             page as (select ${ROW_COLUMNS} from audit_event where ${where.sql} order by seq limit ${Math.floor(limit)})
             select page.*, head.head_seq from head left join page on true order by page.seq`,
      values: where.values,
      rowMode: 'array',
    });
    const headSeq = Number(result.rows[0]?.[21] ?? 0);
    const rows = result.rows.filter((r) => r[1] !== null).map((r) => fromTuple(r as unknown as RowTuple));
    return { rows, headSeq };
  });
}

/** Every chain that has a head or a checkpoint: a chain deleted outright still has its checkpoints. */
const rowsOf = async (db: SqlRunner, statement: ReturnType<typeof sql>): Promise<SqlRow[]> => (await db.run([statement]))[0] ?? [];
const headOf = (row: SqlRow | undefined): { seq: number; hash: string } | null => (row ? { seq: Number(row.seq), hash: row.hash as string } : null);

export async function listProofChains(db: SqlRunner): Promise<string[]> {
  return (await rowsOf(db, sql`select chain_id from audit_chain_head union select chain_id from audit_checkpoint order by 1`)).map((r) => r.chain_id as string);
}

export async function chainHeads(db: SqlRunner): Promise<{ chainId: string; seq: number; hash: string }[]> {
  return (await rowsOf(db, sql`select chain_id, seq, hash from audit_chain_head where seq > 0 order by chain_id`))
    .map((r) => ({ chainId: r.chain_id as string, seq: Number(r.seq), hash: r.hash as string }));
}

/** One chain's head as stored (the last row's seq and hash, as audit_append left them), or null. */
export async function chainHead(db: SqlRunner, chainId: string): Promise<{ seq: number; hash: string } | null> {
  return headOf((await rowsOf(db, sql`select seq, hash from audit_chain_head where chain_id = ${chainId}`))[0]);
}

interface CheckpointRecord {
  id: string;
  chain_id: string;
  seq: string;
  hash: string;
  count: string;
  signed_at: string | Date;
  key_id: string;
  payload: string;
  signature: string;
  event_seq: string;
}

export interface StoredCheckpoint extends SignedCheckpoint {
  readonly id: number;
  readonly eventSeq: number;
}

const toCheckpoint = (r: CheckpointRecord): StoredCheckpoint => ({
  id: Number(r.id),
  chainId: r.chain_id,
  seq: Number(r.seq),
  hash: r.hash,
  count: Number(r.count),
  signedAt: new Date(r.signed_at).toISOString(),
  keyId: r.key_id,
  payload: r.payload,
  signature: r.signature,
  eventSeq: Number(r.event_seq),
});

export async function listCheckpoints(db: SqlRunner, chainId: string, options: { afterSeq?: number; limit?: number } = {}): Promise<StoredCheckpoint[]> {
  const limit = options.limit ? sql` limit ${Math.floor(options.limit)}` : sql``;
  const rows = await rowsOf(db, sql`select * from audit_checkpoint where chain_id = ${chainId} and seq > ${options.afterSeq ?? 0} order by seq${limit}`);
  return (rows as unknown as CheckpointRecord[]).map(toCheckpoint);
}

export async function latestCheckpoint(db: SqlRunner, chainId: string): Promise<StoredCheckpoint | null> {
  const [row] = await rowsOf(db, sql`select * from audit_checkpoint where chain_id = ${chainId} order by seq desc limit 1`);
  return row ? toCheckpoint(row as unknown as CheckpointRecord) : null;
}

/**
 * Stores a checkpoint of the chain's current head through the database's audit_checkpoint_record function (the
 * app's role may not write audit_checkpoint itself); its checkpoint.signed event follows at seq + 1.
 */
export async function insertCheckpoint(db: SqlRunner, c: SignedCheckpoint): Promise<void> {
  await rowsOf(db, sql`select audit_checkpoint_record(${c.chainId}, ${c.seq}, ${c.hash}, ${c.count}, ${c.signedAt}, ${c.keyId}, ${c.payload}, ${c.signature})`);
}

/** Locks the chain head until commit (the same lock audit_append takes), so nothing is appended meanwhile. */
export async function lockChainHead(db: SqlRunner, chainId: string): Promise<{ seq: number; hash: string } | null> {
  return headOf((await rowsOf(db, sql`select seq, hash from audit_chain_head_lock(${chainId})`))[0]);
}
