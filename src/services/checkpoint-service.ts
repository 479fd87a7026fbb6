import { randomUUID, type KeyObject } from 'node:crypto';
import { createChainVerifier, type ChainProblemKind } from '../domain/index.ts';
import { checkpointText, signCheckpoint, verifyCheckpoint, type SignedCheckpoint } from '../domain/checkpoint.ts';
import {
  chainHeads, insertCheckpoint, latestCheckpoint, listCheckpoints, listProofChains, lockChainHead, readLinkPages,
  type StoredCheckpoint,
} from '../db/proof-store.ts';
import type { RequestMeta, ServiceDeps } from './deps.ts';
import { inTransaction } from './unit-of-work.ts';
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
}

export interface ProofReport {
  readonly chainId: string;
  readonly ok: boolean;
  readonly checked: number;
  readonly head: { seq: number; hash: string } | null;
  readonly checkpoints: number;
  /** False when no public key was given: checkpoint hashes were compared but their signatures were not checked. */
  readonly signaturesChecked: boolean;
  readonly problem: ProofProblem | null;
  readonly seconds: number;
}

const systemMeta = (): RequestMeta => ({ origin: { kind: 'system', component: 'checkpoint' }, traceId: randomUUID() });

export function createCheckpointService(deps: ServiceDeps) {
  /**
   * Signs the chain's head, unless nothing but the previous checkpoint's own event was appended since (then
   * that checkpoint is returned). The head is locked first, so the checkpoint covers exactly the rows
   * before its own 'checkpoint.signed' event, which lands at seq + 1 in the same transaction.
   */
  async function signChain(chainId: string, signer: Signer, meta: RequestMeta = systemMeta()): Promise<{ checkpoint: StoredCheckpoint; created: boolean } | null> {
    const { result } = await inTransaction(deps, chainId, meta, async (em, uow) => {
      const head = await lockChainHead(em, chainId);
      if (!head || head.seq === 0) return null;
      const last = await latestCheckpoint(em, chainId);
      if (last && last.eventSeq >= head.seq) return { checkpoint: last, created: false };
      const signed = signCheckpoint({ chainId, seq: head.seq, hash: head.hash, count: head.seq, signedAt: deps.clock().toISOString() }, signer.privateKey);
      const eventSeq = head.seq + 1;
      await insertCheckpoint(em, signed);
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
      const stored = await latestCheckpoint(deps.orm.em.fork(), chainId);
      if (stored) return { checkpoint: stored, created: true };
    }
    return result;
  }

  /** Signs every chain that changed since its last checkpoint; one chain's failure does not stop the rest. */
  async function signAll(signer: Signer): Promise<SignedCheckpoint[]> {
    const signed: SignedCheckpoint[] = [];
    for (const head of await chainHeads(deps.orm.em.fork())) {
      try {
        const outcome = await signChain(head.chainId, signer);
        if (outcome?.created) signed.push(outcome.checkpoint);
      } catch (error) {
        log.error({ chainId: head.chainId, err: error }, 'checkpoint failed');
      }
    }
    return signed;
  }

  const list = (chainId: string, options: { afterSeq?: number; limit?: number } = {}) => listCheckpoints(deps.orm.em.fork(), chainId, options);
  const latest = (chainId: string) => latestCheckpoint(deps.orm.em.fork(), chainId);

  /**
   * Verifies a chain end to end: every row's hash and link, every checkpoint's signature, that the row at
   * each checkpoint still has the signed hash (a rewritten chain does not), and that the chain still reaches
   * the newest checkpoint (a cut-off tail does not). Streams the chain; stops at the first problem.
   */
  async function verify(chainId: string, publicKey: KeyObject | null): Promise<ProofReport> {
    const started = performance.now();
    const em = deps.orm.em.fork();
    const checkpoints = await listCheckpoints(em, chainId);
    const report = (problem: ProofProblem | null, checked: number, head: ProofReport['head']): ProofReport => ({
      chainId, ok: problem === null, checked, head, checkpoints: checkpoints.length, signaturesChecked: publicKey !== null, problem,
      seconds: (performance.now() - started) / 1000,
    });

    if (publicKey) {
      for (const checkpoint of checkpoints) {
        const check = verifyCheckpoint(checkpoint, publicKey);
        if (!check.ok) return report({ kind: 'bad_checkpoint', seq: checkpoint.seq, message: `checkpoint at seq ${checkpoint.seq} (signed ${checkpoint.signedAt}) is not valid: ${check.message}` }, 0, null);
      }
    }

    const verifier = createChainVerifier();
    let next = 0;
    let previousSeq = 0;
    for await (const page of readLinkPages(deps.orm, chainId)) {
      for (const row of page) {
        const problem = verifier.push(row);
        if (problem) return report(problem, verifier.checked, verifier.head);
        const checkpoint = checkpoints[next];
        if (checkpoint && row.seq === checkpoint.seq) {
          if (row.hash !== checkpoint.hash) {
            return report({
              kind: 'rewritten',
              seq: row.seq,
              message: `row ${row.seq} has hash ${row.hash}, but the checkpoint signed at ${checkpoint.signedAt} says ${checkpoint.hash}: the chain was rewritten somewhere in rows ${previousSeq + 1}..${row.seq}`,
            }, verifier.checked, verifier.head);
          }
          previousSeq = checkpoint.seq;
          next++;
        }
      }
    }
    const newest = checkpoints[checkpoints.length - 1];
    const length = verifier.head?.seq ?? 0;
    if (newest && length < newest.seq) {
      return report({
        kind: 'truncated',
        seq: length + 1,
        message: `the chain ends at seq ${length}, but the checkpoint signed at ${newest.signedAt} covers seq ${newest.seq}: rows ${length + 1}..${newest.seq} (at least) were cut off`,
      }, verifier.checked, verifier.head);
    }
    return report(null, verifier.checked, verifier.head);
  }

  async function verifyAll(publicKey: KeyObject | null): Promise<ProofReport[]> {
    const reports: ProofReport[] = [];
    for (const chainId of await listProofChains(deps.orm.em.fork())) reports.push(await verify(chainId, publicKey));
    return reports;
  }

  return { signChain, signAll, list, latest, verify, verifyAll };
}
export type CheckpointService = ReturnType<typeof createCheckpointService>;
