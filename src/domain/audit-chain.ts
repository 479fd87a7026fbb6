import { createHash, hash as oneShotHash } from 'node:crypto';
import { canonicalJson } from './canonical-json.ts';
import type { AuditEventType } from './events.ts';
import type { Capacity } from './submission.ts';

/** Bumped when the encoding below changes; old rows keep verifying under the version they carry. */
export const AUDIT_SCHEMA_VERSION = 1;
export const GENESIS_HASH = '0'.repeat(64);

/** Where an event came from: a Slack surface, an API client, or the system itself. */
export type AuditOrigin =
  | { kind: 'slack'; teamId: string; channelId?: string | null; actionId?: string | null; surface?: string | null }
  | { kind: 'api'; clientId: string; ip: string | null }
  | { kind: 'system'; component: string }
  | { kind: 'cli'; command: string };

/** The fields of an audit event that the writer supplies (sequence, time and hashes come from the chain). */
export interface AuditEventBody {
  readonly eventId: string;
  readonly type: AuditEventType;
  readonly teamId: string;
  readonly submissionId: string | null;
  readonly workflowKey: string | null;
  readonly workflowVersion: number | null;
  readonly stageInstanceId: string | null;
  readonly stageId: string | null;
  readonly actorId: string | null;
  readonly capacity: Capacity | null;
  readonly reason: string | null;
  readonly details: Readonly<Record<string, unknown>>;
  readonly origin: AuditOrigin;
  readonly correlationId: string | null;
  readonly traceId: string | null;
  readonly schemaVersion: number;
}

export interface AuditRow extends AuditEventBody {
  readonly chainId: string;
  readonly seq: number;
  /** ISO 8601 UTC with milliseconds, as `Date.prototype.toISOString` writes it. */
  readonly occurredAt: string;
  readonly prevHash: string;
  readonly hash: string;
}

/** The canonical encoding of the writer-supplied fields. Documented byte for byte in docs/audit-format.md. */
export function encodeBody(body: AuditEventBody): string {
  return canonicalJson({
    actorId: body.actorId,
    capacity: body.capacity,
    correlationId: body.correlationId,
    details: body.details,
    eventId: body.eventId,
    origin: body.origin,
    reason: body.reason,
    schemaVersion: body.schemaVersion,
    stageId: body.stageId,
    stageInstanceId: body.stageInstanceId,
    submissionId: body.submissionId,
    teamId: body.teamId,
    traceId: body.traceId,
    type: body.type,
    workflowKey: body.workflowKey,
    workflowVersion: body.workflowVersion,
  });
}

/** hash = SHA-256 over UTF-8 of: prevHash "\n" chainId "\n" seq "\n" occurredAt "\n" body; lowercase hex. */
export function chainPreimage(prevHash: string, chainId: string, seq: number, occurredAt: string, encodedBody: string): string {
  return `${prevHash}\n${chainId}\n${seq}\n${occurredAt}\n${encodedBody}`;
}

export function computeHash(prevHash: string, chainId: string, seq: number, occurredAt: string, encodedBody: string): string {
  return createHash('sha256').update(chainPreimage(prevHash, chainId, seq, occurredAt, encodedBody), 'utf8').digest('hex');
}

export const rowHash = (row: AuditRow, seq: number = row.seq, prevHash: string = row.prevHash): string =>
  computeHash(prevHash, row.chainId, seq, row.occurredAt, encodeBody(row));

export type ChainProblemKind = 'edited' | 'removed' | 'inserted' | 'reordered' | 'unlinked' | 'bad_start';

export interface ChainProblem {
  readonly kind: ChainProblemKind;
  /** The sequence number at which the chain first stops being what was written. */
  readonly seq: number;
  readonly message: string;
}

export interface VerifyResult {
  readonly ok: boolean;
  readonly checked: number;
  readonly head: { seq: number; hash: string } | null;
  readonly problem: ChainProblem | null;
}

/** How far to look for a row's original position when its hash fits another sequence number. */
const DISPLACEMENT_WINDOW = 64;

export function classifyMismatch(row: AuditRow): ChainProblem {
  for (let offset = 1; offset <= DISPLACEMENT_WINDOW; offset++) {
    if (row.seq - offset >= 1 && rowHash(row, row.seq - offset) === row.hash) {
      return {
        kind: 'inserted',
        seq: row.seq - offset,
        message: `row ${row.seq} was written as row ${row.seq - offset}: ${offset} row(s) not part of the original chain were inserted at ${row.seq - offset}`,
      };
    }
    if (rowHash(row, row.seq + offset) === row.hash) {
      return { kind: 'reordered', seq: row.seq, message: `row ${row.seq} was written as row ${row.seq + offset}: rows were reordered` };
    }
  }
  return { kind: 'edited', seq: row.seq, message: `row ${row.seq} (event ${row.eventId}, ${row.type}) does not match its hash: it was edited` };
}

/**
 * Checks a chain read in ascending sequence order. Stops at the first problem and says exactly what it is.
 * `from` lets a caller resume after a trusted point (a verified checkpoint).
 */
export async function verifyChain(rows: AsyncIterable<AuditRow> | Iterable<AuditRow>, from: { seq: number; hash: string } = { seq: 0, hash: GENESIS_HASH }): Promise<VerifyResult> {
  let expectedSeq = from.seq + 1;
  let prevHash = from.hash;
  let checked = 0;
  for await (const row of rows) {
    if (row.seq > expectedSeq) {
      return { ok: false, checked, head: { seq: expectedSeq - 1, hash: prevHash }, problem: { kind: 'removed', seq: expectedSeq, message: `row(s) ${expectedSeq}..${row.seq - 1} are missing: removed` } };
    }
    if (row.seq < expectedSeq) {
      return { ok: false, checked, head: { seq: expectedSeq - 1, hash: prevHash }, problem: { kind: 'inserted', seq: row.seq, message: `sequence number ${row.seq} appears twice: a row was inserted` } };
    }
    const selfHash = computeHash(row.prevHash, row.chainId, row.seq, row.occurredAt, encodeBody(row));
    if (selfHash !== row.hash) {
      return { ok: false, checked, head: { seq: expectedSeq - 1, hash: prevHash }, problem: classifyMismatch(row) };
    }
    if (row.prevHash !== prevHash) {
      const problem: ChainProblem = row.seq === 1
        ? { kind: 'bad_start', seq: 1, message: 'row 1 does not start from the genesis hash' }
        : { kind: 'unlinked', seq: row.seq - 1, message: `row ${row.seq} does not follow row ${row.seq - 1}: row ${row.seq - 1} was replaced (edited or inserted with a recomputed hash)` };
      return { ok: false, checked, head: { seq: expectedSeq - 1, hash: prevHash }, problem };
    }
    prevHash = row.hash;
    expectedSeq++;
    checked++;
  }
  return { ok: true, checked, head: checked === 0 && from.seq === 0 ? null : { seq: expectedSeq - 1, hash: prevHash }, problem: null };
}

// ---- Fast path for verifying long chains (audit:verify, the checkpoint verifier, bench:verify). ----
// Same bytes as encodeBody/canonicalJson (a unit test holds them equal), built by string concatenation
// without the intermediate object, key sort of the fixed top level, or arrays of parts.

// A string JSON.stringify would copy unchanged between quotes: no quote, backslash, control character or
// surrogate (lone surrogates are escaped; pairs are not, but the rare string with one takes the slow path).
// eslint-disable-next-line no-control-regex -- control characters are exactly what must be found here
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;
const quote = (text: string): string => (NEEDS_ESCAPE.test(text) ? JSON.stringify(text) : `"${text}"`);

function sortedKeys(record: Record<string, unknown>): string[] {
  const keys = Object.keys(record);
  for (let i = 1; i < keys.length; i++) {
    if ((keys[i - 1] as string) > (keys[i] as string)) return keys.sort();
  }
  return keys;
}

function canonicalFast(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  switch (typeof value) {
    case 'string':
      return quote(value);
    case 'number':
      if (!Number.isFinite(value)) throw new Error('canonical JSON has no representation for non-finite numbers');
      return String(value); // the same digits as JSON.stringify for every finite number
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i++) out += (i === 0 ? '' : ',') + canonicalFast(value[i]);
        return `${out}]`;
      }
      const record = value as Record<string, unknown>;
      let out = '{';
      for (const key of sortedKeys(record)) {
        const item = record[key];
        if (item === undefined) continue;
        out += `${out.length === 1 ? '' : ','}${quote(key)}:${canonicalFast(item)}`;
      }
      return `${out}}`;
    }
    default:
      throw new Error(`canonical JSON cannot encode a ${typeof value}`);
  }
}

/** The body's keys in canonical (sorted) order, so the top level needs no sort. */
const BODY_KEYS = [
  'actorId', 'capacity', 'correlationId', 'details', 'eventId', 'origin', 'reason', 'schemaVersion', 'stageId',
  'stageInstanceId', 'submissionId', 'teamId', 'traceId', 'type', 'workflowKey', 'workflowVersion',
] as const satisfies readonly (keyof AuditEventBody)[];

/** encodeBody without the intermediate object. */
export function encodeBodyFast(body: AuditEventBody): string {
  let out = '{';
  for (const key of BODY_KEYS) {
    const value = body[key];
    if (value === undefined) continue;
    out += `${out.length === 1 ? '' : ','}"${key}":${canonicalFast(value)}`;
  }
  return `${out}}`;
}

/** A chain checked row by row without awaiting per row; reports the first problem as verifyChain would. */
export interface ChainVerifier {
  /** Checks the next row (ascending sequence order); returns the first problem, then keeps returning it. */
  push(row: AuditRow): ChainProblem | null;
  readonly checked: number;
  readonly head: { seq: number; hash: string } | null;
  readonly problem: ChainProblem | null;
}

export function createChainVerifier(from: { seq: number; hash: string } = { seq: 0, hash: GENESIS_HASH }): ChainVerifier {
  let expectedSeq = from.seq + 1;
  let prevHash = from.hash;
  let checked = 0;
  let problem: ChainProblem | null = null;

  function diagnose(row: AuditRow): ChainProblem {
    if (row.seq > expectedSeq) return { kind: 'removed', seq: expectedSeq, message: `row(s) ${expectedSeq}..${row.seq - 1} are missing: removed` };
    if (row.seq < expectedSeq) return { kind: 'inserted', seq: row.seq, message: `sequence number ${row.seq} appears twice: a row was inserted` };
    if (rowHash(row) !== row.hash) return classifyMismatch(row);
    return row.seq === 1
      ? { kind: 'bad_start', seq: 1, message: 'row 1 does not start from the genesis hash' }
      : { kind: 'unlinked', seq: row.seq - 1, message: `row ${row.seq} does not follow row ${row.seq - 1}: row ${row.seq - 1} was replaced (edited or inserted with a recomputed hash)` };
  }

  return {
    push(row) {
      if (problem) return problem;
      const ok = row.seq === expectedSeq
        && row.prevHash === prevHash
        // One-shot hashing skips the Hash object per row; the bytes are the same as computeHash's.
        && oneShotHash('sha256', `${prevHash}\n${row.chainId}\n${row.seq}\n${row.occurredAt}\n${encodeBodyFast(row)}`, 'hex') === row.hash;
      if (!ok) {
        problem = diagnose(row);
        return problem;
      }
      prevHash = row.hash;
      expectedSeq++;
      checked++;
      return null;
    },
    get checked() { return checked; },
    get head() { return checked === 0 && from.seq === 0 ? null : { seq: expectedSeq - 1, hash: prevHash }; },
    get problem() { return problem; },
  };
}
