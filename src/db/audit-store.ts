import { compareKeys, type AuditEventBody, type AuditRow, type AuditOrigin } from '../domain/index.ts';
import type { AuditEventType, Capacity } from '../domain/index.ts';
import { json, sql, type Sql, type SqlRow, type SqlRunner } from './sql.ts';

export interface AppendedEvent {
  readonly seq: number;
  readonly occurredAt: Date;
  readonly hash: string;
}

/**
 * The statement that appends events to the team's chain through the database's audit_append function. The
 * chain head stays locked until the transaction commits, so it goes last; `appendedFromRows` reads its answer.
 */
export function auditAppend(chainId: string, events: readonly AuditEventBody[]): Sql {
  const payload = events.map((event) => ({
    event_id: event.eventId,
    type: event.type,
    team_id: event.teamId,
    submission_id: event.submissionId,
    workflow_key: event.workflowKey,
    workflow_version: event.workflowVersion,
    stage_instance_id: event.stageInstanceId,
    stage_id: event.stageId,
    actor_id: event.actorId,
    capacity: event.capacity,
    reason: event.reason,
    details: event.details,
    origin: event.origin,
    correlation_id: event.correlationId,
    trace_id: event.traceId,
    schema_version: event.schemaVersion,
  }));
  return sql`select seq, occurred_at, hash from audit_append(${chainId}, ${json(payload)})`;
}

export const appendedFromRows = (rows: readonly SqlRow[]): AppendedEvent[] =>
  rows.map((row) => ({ seq: Number(row.seq), occurredAt: new Date(row.occurred_at as string), hash: row.hash as string }));

/** Appends events to the team's chain (one round trip); call it last in the transaction. */
export async function appendAuditEvents(db: SqlRunner, chainId: string, events: readonly AuditEventBody[]): Promise<AppendedEvent[]> {
  if (events.length === 0) return [];
  const [rows = []] = await db.run([auditAppend(chainId, events)]);
  return appendedFromRows(rows);
}

export interface AuditRowRecord {
  chain_id: string;
  seq: string | number;
  event_id: string;
  occurred_at: Date;
  type: string;
  team_id: string;
  submission_id: string | null;
  workflow_key: string | null;
  workflow_version: number | null;
  stage_instance_id: string | null;
  stage_id: string | null;
  actor_id: string | null;
  capacity: Capacity | null;
  reason: string | null;
  details: Record<string, unknown>;
  origin: AuditOrigin;
  correlation_id: string | null;
  trace_id: string | null;
  schema_version: number;
  prev_hash: string;
  hash: string;
}

/** The body's members and the columns they come from; `json` columns are already jsonb. */
const BODY_MEMBERS: readonly (readonly [key: string, column: string, json?: true])[] = [
  ['actorId', 'actor_id'], ['capacity', 'capacity', true], ['correlationId', 'correlation_id'], ['details', 'details', true],
  ['eventId', 'event_id'], ['origin', 'origin', true], ['reason', 'reason'], ['schemaVersion', 'schema_version'],
  ['stageId', 'stage_id'], ['stageInstanceId', 'stage_instance_id'], ['submissionId', 'submission_id'], ['teamId', 'team_id'],
  ['traceId', 'trace_id'], ['type', 'type'], ['workflowKey', 'workflow_key'], ['workflowVersion', 'workflow_version'],
];

/**
 * The canonical body of a stored row, computed by the database from its columns: the bytes audit_append
 * hashed (there with jsonb_build_object, see migrations/Migration20261122000000_core.ts) and encodeBody
 * writes in TypeScript. Written out member by member in jsonb's key order, which is several times cheaper
 * than building a jsonb value per row; every verification in the tests holds the two forms equal.
 * to_json is qualified with pg_catalog so that no function of that name elsewhere on the search path runs.
 */
export const AUDIT_BODY_SQL = [...BODY_MEMBERS]
  .sort(([a], [b]) => compareKeys(a, b))
  .map(([key, column, json], i) => `'${i === 0 ? '{' : ', '}"${key}": ' || coalesce(${json ? `${column}::text` : `pg_catalog.to_json(${column})::text`}, 'null')`)
  .join(' || ')
  .concat(` || '}'`);

/** The time exactly as audit_append wrote it into the hash: ISO 8601 UTC with milliseconds. */
export const AUDIT_TIME_SQL = `to_char(occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** Columns for reading chain links (rowMode 'array'): seq, time, prev hash, hash, body, event id, type. */
export const AUDIT_LINK_COLUMNS = `seq, ${AUDIT_TIME_SQL}, prev_hash, hash, ${AUDIT_BODY_SQL}, event_id, type`;

export const AUDIT_COLUMNS = 'chain_id, seq, event_id, occurred_at, type, team_id, submission_id, workflow_key, workflow_version, stage_instance_id, stage_id, actor_id, capacity, reason, details, origin, correlation_id, trace_id, schema_version, prev_hash, hash';

const COLUMNS: Sql = { text: AUDIT_COLUMNS };

export function toAuditRow(record: AuditRowRecord): AuditRow {
  return {
    chainId: record.chain_id,
    seq: Number(record.seq),
    eventId: record.event_id,
    occurredAt: new Date(record.occurred_at).toISOString(),
    type: record.type as AuditEventType,
    teamId: record.team_id,
    submissionId: record.submission_id,
    workflowKey: record.workflow_key,
    workflowVersion: record.workflow_version,
    stageInstanceId: record.stage_instance_id,
    stageId: record.stage_id,
    actorId: record.actor_id,
    capacity: record.capacity,
    reason: record.reason,
    details: record.details,
    origin: record.origin,
    correlationId: record.correlation_id,
    traceId: record.trace_id,
    schemaVersion: record.schema_version,
    prevHash: record.prev_hash,
    hash: record.hash,
  };
}

/** Reads a chain in sequence order, a page at a time, so verifying millions of rows needs constant memory. */
export async function* readChain(db: SqlRunner, chainId: string, options: { afterSeq?: number; pageSize?: number } = {}): AsyncGenerator<AuditRow> {
  const pageSize = options.pageSize ?? 5000;
  let after = options.afterSeq ?? 0;
  for (;;) {
    const [rows = []] = await db.run([sql`select ${COLUMNS} from audit_event where chain_id = ${chainId} and seq > ${after} order by seq limit ${pageSize}`]);
    const page = rows as unknown as AuditRowRecord[];
    for (const record of page) yield toAuditRow(record);
    if (page.length < pageSize) return;
    after = Number(page[page.length - 1]?.seq);
  }
}

export async function listChains(db: SqlRunner): Promise<string[]> {
  const [rows = []] = await db.run([sql`select distinct chain_id from audit_event order by chain_id`]);
  return rows.map((r) => r.chain_id as string);
}

export async function readSubmissionEvents(db: SqlRunner, submissionId: string): Promise<AuditRow[]> {
  const [rows = []] = await db.run([sql`select ${COLUMNS} from audit_event where submission_id = ${submissionId} order by chain_id, seq`]);
  return (rows as unknown as AuditRowRecord[]).map(toAuditRow);
}
