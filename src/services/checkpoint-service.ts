import { randomUUID, type KeyObject } from 'node:crypto';
import { createChainVerifier, type ChainProblemKind } from '../domain/index.ts';
import { checkpointText, signCheckpoint, verifyCheckpoint, type SignedCheckpoint } from '../domain/checkpoint.ts';
import type { WitnessedCheckpoint } from '../domain/witness.ts';
import type { AuditRepository, StoredCheckpoint } from '../db/audit-repository.ts';
import type { RequestMeta } from './deps.ts';
import type { Transact } from './unit-of-work.ts';
import { loggerFor } from '../observability/logger.ts';

const log = loggerFor('checkpoints');

export interface Signer {
  readonly privateKey: KeyObject;
  /** When set, each new checkpoint is also queued for posting to this Slack channel (outside witness). */
  readonly channelId?: string | null;
}

export type ProofProblemKind = ChainProblemKind | 'bad_checkpoint' | 'rewritten' | 'truncated';

export interface ProofProblem {
  readonly kind: ProofProblemKind;
  readonly seq: number;
  readonly message: string;
  /** For checkpoint problems: where that checkpoint came from (the database, or a witness outside it). */
  readonly source?: string;
}

/** The source name of checkpoints read from the database's own audit_checkpoint table. */
export const STORED = 'audit_checkpoint';
const HEAD = 'audit_chain_head';

/** A point the chain must still pass through: a checkpoint's row, or the chain head's. */
interface Anchor {
  readonly seq: number;
  readonly hash: string;
  readonly source: string;
  readonly name: string;
}

export interface ProofReport {
  readonly chainId: string;
  readonly ok: boolean;
  readonly checked: number;
  readonly head: { seq: number; hash: string } | null;
  /** Checkpoints stored in the database, and those kept outside it that were checked too. */
  readonly checkpoints: number;
  readonly witnessed: number;
  /** False when no public key was given: checkpoint hashes were compared but their signatures were not checked. */
  readonly signaturesChecked: boolean;
  readonly problem: ProofProblem | null;
  readonly seconds: number;
}

const systemMeta = (): RequestMeta => ({ origin: { kind: 'system', component: 'checkpoint' }, traceId: randomUUID() });

export interface CheckpointServiceDeps {
  readonly audit: Pick<AuditRepository, 'lockHead' | 'latestCheckpoint' | 'insertCheckpoint' | 'heads' | 'head' | 'checkpoints' | 'linkPages' | 'proofChains'>;
  readonly transact: Transact;
  readonly clock: () => Date;
}

export function createCheckpointService(deps: CheckpointServiceDeps) {
  /**
   * Signs the chain's head, unless nothing but the previous checkpoint's own event was appended since (then
   * that checkpoint is returned). The head is locked first, so the checkpoint covers exactly the rows
   * before its own 'checkpoint.signed' event, which lands at seq + 1 in the same transaction.
   */
  async function signChain(chainId: string, signer: Signer, meta: RequestMeta = systemMeta()): Promise<{ checkpoint: StoredCheckpoint; created: boolean } | null> {
    const { result } = await deps.transact(chainId, meta, async (tx, uow) => {
      const head = await deps.audit.lockHead(tx, chainId);
      if (!head || head.seq === 0) return null;
      const last = await deps.audit.latestCheckpoint(chainId, tx);
      if (last && last.eventSeq >= head.seq) return { checkpoint: last, created: false };
      const signed = signCheckpoint({ chainId, seq: head.seq, hash: head.hash, count: head.seq, signedAt: deps.clock().toISOString() }, signer.privateKey);
      const eventSeq = head.seq + 1;
      await deps.audit.insertCheckpoint(tx, signed);
      uow.record({
        type: 'checkpoint.signed',
        capacity: { kind: 'system', rule: 'periodic signed checkpoint' },
        details: { seq: signed.seq, hash: signed.hash, count: signed.count, signedAt: signed.signedAt, keyId: signed.keyId, signature: signed.signature },
      });
      if (signer.channelId) {
        uow.enqueue('checkpoint.post', null, { channelId: signer.channelId, chainId, seq: signed.seq, text: checkpointText(signed) });
      }
      return { checkpoint: { ...signed, id: 0, eventSeq }, created: true };
    });
    if (result?.created) {
      const stored = await deps.audit.latestCheckpoint(chainId);
      if (stored) return { checkpoint: stored, created: true };
    }
    return result;
  }

  /** Signs every chain that changed since its last checkpoint; one chain's failure does not stop the rest. */
  async function signAll(signer: Signer): Promise<SignedCheckpoint[]> {
    const signed: SignedCheckpoint[] = [];
    for (const head of await deps.audit.heads()) {
      try {
        const outcome = await signChain(head.chainId, signer);
        if (outcome?.created) signed.push(outcome.checkpoint);
      } catch (error) {
        log.error({ chainId: head.chainId, err: error }, 'checkpoint failed');
      }
    }
    return signed;
  }

  const list = (chainId: string, options: { afterSeq?: number; limit?: number } = {}) => deps.audit.checkpoints(chainId, options);
  const latest = (chainId: string) => deps.audit.latestCheckpoint(chainId);

  /**
   * Verifies a chain end to end: every row's hash and link, every checkpoint's signature, that the row at
   * each checkpoint still has the signed hash (a rewritten chain does not), and that the chain still reaches
   * the newest checkpoint (a cut-off tail does not). The checkpoints are the stored ones and any kept outside
   * the database (`witnessed`): those still count when the stored ones were deleted. Streams the chain; stops
   * at the first problem, naming the checkpoint it broke against.
   */
  async function verify(chainId: string, publicKey: KeyObject | null, witnessed: readonly WitnessedCheckpoint[] = []): Promise<ProofReport> {
    const started = performance.now();
    // The head is read before the rows: rows appended meanwhile lie beyond it, rows it covers were committed with it.
    const head = await deps.audit.head(chainId);
    const stored = await deps.audit.checkpoints(chainId);
    const outside = witnessed.filter((c) => c.chainId === chainId);
    const checkpoints = [...stored.map((c) => ({ ...c, source: STORED })), ...outside].sort((a, b) => a.seq - b.seq);
    const report = (problem: ProofProblem | null, checked: number, reached: ProofReport['head']): ProofReport => ({
      chainId, ok: problem === null, checked, head: reached, checkpoints: stored.length, witnessed: outside.length, signaturesChecked: publicKey !== null, problem,
      seconds: (performance.now() - started) / 1000,
    });
    const named = (c: WitnessedCheckpoint) => `the checkpoint signed at ${c.signedAt} (${c.source})`;

    if (publicKey) {
      for (const checkpoint of checkpoints) {
        const check = verifyCheckpoint(checkpoint, publicKey);
        if (!check.ok) return report({ kind: 'bad_checkpoint', seq: checkpoint.seq, source: checkpoint.source, message: `${named(checkpoint)} for seq ${checkpoint.seq} is not valid: ${check.message}` }, 0, null);
      }
    }

    // What the chain must still contain: every checkpoint's row, and (unsigned, but written with the rows) the head's.
    const anchors: Anchor[] = checkpoints.map((c) => ({ seq: c.seq, hash: c.hash, source: c.source, name: named(c) }));
    const headAnchor: Anchor | null = head && head.seq > 0 ? { seq: head.seq, hash: head.hash, source: HEAD, name: `the chain head (${HEAD})` } : null;
    if (headAnchor) anchors.push(headAnchor);
    anchors.sort((a, b) => a.seq - b.seq);

    const verifier = createChainVerifier();
    let next = 0;
    let previousSeq = 0;
    for await (const page of deps.audit.linkPages(chainId)) {
      for (const row of page) {
        const problem = verifier.push(row);
        if (problem) return report(problem, verifier.checked, verifier.head);
        for (let anchor = anchors[next]; anchor && row.seq === anchor.seq; anchor = anchors[++next]) {
          if (row.hash !== anchor.hash) {
            return report({
              kind: 'rewritten',
              seq: row.seq,
              source: anchor.source,
              message: `row ${row.seq} has hash ${row.hash}, but ${anchor.name} says ${anchor.hash}: the chain was rewritten somewhere in rows ${previousSeq + 1}..${row.seq}`,
            }, verifier.checked, verifier.head);
          }
          previousSeq = anchor.seq;
        }
      }
    }
    const length = verifier.head?.seq ?? 0;
    // A signed checkpoint is the stronger witness of a cut: named first when it covers rows the chain lacks.
    const newestSigned = checkpoints[checkpoints.length - 1];
    const covering = newestSigned && length < newestSigned.seq
      ? { seq: newestSigned.seq, source: newestSigned.source, name: named(newestSigned) }
      : headAnchor && length < headAnchor.seq ? headAnchor : null;
    if (covering) {
      return report({
        kind: 'truncated',
        seq: length + 1,
        source: covering.source,
        message: `the chain ends at seq ${length}, but ${covering.name} covers seq ${covering.seq}: rows ${length + 1}..${covering.seq} (at least) were cut off`,
      }, verifier.checked, verifier.head);
    }
    return report(null, verifier.checked, verifier.head);
  }

  /** Every chain the database knows of (a head or a checkpoint) and every chain a witness signed. */
  async function verifyAll(publicKey: KeyObject | null, witnessed: readonly WitnessedCheckpoint[] = []): Promise<ProofReport[]> {
    const chains = new Set([...(await deps.audit.proofChains()), ...witnessed.map((c) => c.chainId)]);
    const reports: ProofReport[] = [];
    for (const chainId of [...chains].sort()) reports.push(await verify(chainId, publicKey, witnessed));
    return reports;
  }

  return { signChain, signAll, list, latest, verify, verifyAll };
}
export type CheckpointService = ReturnType<typeof createCheckpointService>;
