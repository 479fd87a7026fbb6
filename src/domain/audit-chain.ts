import { hash } from 'node:crypto';
import { jsonbText } from './jsonb-text.ts';
import type { AuditEventType } from './events.ts';
import type { Capacity } from './submission.ts';

/** Bumped when the encoding below changes; old rows keep verifying under the version they carry. */
export const AUDIT_SCHEMA_VERSION = 1;
export const GENESIS_HASH = '0'.repeat(64);

/** Where an event came from: a Slack surface, an API client, or the system itself. */
export type AuditOrigin =
  /** `enterpriseId`: the Enterprise Grid org of the workspace, present only when Slack named one. */
  | { kind: 'slack'; teamId: string; enterpriseId?: string; channelId?: string | null; actionId?: string | null; surface?: string | null }
  | { kind: 'api'; clientId: string; ip: string | null }
  | { kind: 'system'; component: string }
  /** An operator command; `ranBy` is whoever ran it, from its --actor flag or else the OS user (`ranByFrom` says which). */
  | { kind: 'cli'; command: string; ranBy?: string; ranByFrom?: 'actor_flag' | 'os_user' };

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

/**
 * The canonical encoding of the writer-supplied fields: the jsonb text (see jsonb-text.ts) of one object with
 * these sixteen members, absent values as null. The database computes the same bytes from the stored columns
 * (AUDIT_BODY_SQL in src/db/audit-store.ts); docs/audit-format.md documents them byte for byte.
 */
export function encodeBody(body: AuditEventBody): string {
  return jsonbText({
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
  return hash('sha256', chainPreimage(prevHash, chainId, seq, occurredAt, encodedBody), 'hex');
}

/** What verification needs of a row: its place, its time, its links and the canonical body of its fields. */
export interface ChainLink {
  readonly chainId: string;
  readonly seq: number;
  readonly occurredAt: string;
  readonly prevHash: string;
  readonly hash: string;
  readonly body: string;
  readonly eventId?: string;
  readonly type?: string;
}

/** A row's link, with the body encoded here rather than by the database. */
export const linkOf = (row: AuditRow): ChainLink => ({
  chainId: row.chainId, seq: row.seq, occurredAt: row.occurredAt, prevHash: row.prevHash, hash: row.hash, body: encodeBody(row), eventId: row.eventId, type: row.type,
});

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

const hashAt = (link: ChainLink, seq: number): string => computeHash(link.prevHash, link.chainId, seq, link.occurredAt, link.body);

/** Says what happened to a row whose content does not match its hash. */
export function classifyMismatch(link: ChainLink): ChainProblem {
  for (let offset = 1; offset <= DISPLACEMENT_WINDOW; offset++) {
    if (link.seq - offset >= 1 && hashAt(link, link.seq - offset) === link.hash) {
      return {
        kind: 'inserted',
        seq: link.seq - offset,
        message: `row ${link.seq} was written as row ${link.seq - offset}: ${offset} row(s) not part of the original chain were inserted at ${link.seq - offset}`,
      };
    }
    if (hashAt(link, link.seq + offset) === link.hash) {
      // Telling the two apart needs the rows after this one; the first row that moved is the same in both.
      return {
        kind: 'reordered',
        seq: link.seq,
        message: `row ${link.seq} was written as row ${link.seq + offset}: rows were reordered, or ${offset} row(s) from ${link.seq} on were deleted and the later rows renumbered to close the gap`,
      };
    }
  }
  const what = link.eventId ? ` (event ${link.eventId}, ${link.type ?? 'unknown type'})` : '';
  return { kind: 'edited', seq: link.seq, message: `row ${link.seq}${what} does not match its hash: it was edited` };
}

/** Checks a chain one row at a time, in ascending sequence order, and keeps the first problem. */
export interface ChainVerifier {
  /** Checks the next row; returns the first problem found so far (and keeps returning it), or null. */
  push(link: ChainLink): ChainProblem | null;
  readonly checked: number;
  readonly head: { seq: number; hash: string } | null;
  readonly problem: ChainProblem | null;
}

/** `from` lets a caller resume after a trusted point (a verified checkpoint). */
export function createChainVerifier(from: { seq: number; hash: string } = { seq: 0, hash: GENESIS_HASH }): ChainVerifier {
  let expectedSeq = from.seq + 1;
  let prevHash = from.hash;
  let checked = 0;
  let problem: ChainProblem | null = null;

  function diagnose(link: ChainLink): ChainProblem {
    if (link.seq > expectedSeq) return { kind: 'removed', seq: expectedSeq, message: `row(s) ${expectedSeq}..${link.seq - 1} are missing: removed` };
    if (link.seq < expectedSeq) return { kind: 'inserted', seq: link.seq, message: `sequence number ${link.seq} appears twice: a row was inserted` };
    if (hashAt(link, link.seq) !== link.hash) return classifyMismatch(link);
    return link.seq === 1
      ? { kind: 'bad_start', seq: 1, message: 'row 1 does not start from the genesis hash' }
      : { kind: 'unlinked', seq: link.seq - 1, message: `row ${link.seq} does not follow row ${link.seq - 1}: row ${link.seq - 1} was replaced (edited or inserted with a recomputed hash)` };
  }

  return {
    push(link) {
      if (problem) return problem;
      const ok = link.seq === expectedSeq
        && link.prevHash === prevHash
        && hash('sha256', `${prevHash}\n${link.chainId}\n${link.seq}\n${link.occurredAt}\n${link.body}`, 'hex') === link.hash;
      if (!ok) {
        problem = diagnose(link);
        return problem;
      }
      prevHash = link.hash;
      expectedSeq++;
      checked++;
      return null;
    },
    get checked() { return checked; },
    get head() { return checked === 0 && from.seq === 0 ? null : { seq: expectedSeq - 1, hash: prevHash }; },
    get problem() { return problem; },
  };
}

/** Verifies a whole chain read in ascending sequence order; stops at the first problem and says what it is. */
export async function verifyChain(links: AsyncIterable<ChainLink> | Iterable<ChainLink>, from?: { seq: number; hash: string }): Promise<VerifyResult> {
  const verifier = createChainVerifier(from);
  for await (const link of links) if (verifier.push(link)) break;
  return { ok: verifier.problem === null, checked: verifier.checked, head: verifier.head, problem: verifier.problem };
}
