import type { SignedCheckpoint } from '../domain/checkpoint.ts';
import { listChains, readChain, readSubmissionEvents } from './audit-store.ts';
import type { Orm } from './orm.ts';
import {
  chainHead, chainHeads, insertCheckpoint, latestCheckpoint, listCheckpoints, listProofChains, lockChainHead, readAuditPage, readChainPages, readLinkPages,
  type AuditFilter,
} from './proof-store.ts';
import { pooledRunner, sql } from './sql.ts';
import type { Tx } from './transaction.ts';

export type { AuditFilter, StoredCheckpoint } from './proof-store.ts';

/** The audit trail and its signed checkpoints, bound to the pool (reads) or to a transaction (signing). */
export function createAuditRepository(orm: Orm) {
  const pooled = pooledRunner(orm);
  return {
    readChain: (chainId: string, options?: { afterSeq?: number; pageSize?: number }) => readChain(pooled, chainId, options),
    listChains: () => listChains(pooled),
    submissionEvents: (submissionId: string) => readSubmissionEvents(pooled, submissionId),
    chainPages: (chainId: string, filter?: AuditFilter, pageSize?: number) => readChainPages(orm, chainId, filter, pageSize),
    linkPages: (chainId: string, afterSeq?: number, pageSize?: number) => readLinkPages(orm, chainId, afterSeq, pageSize),
    page: (chainId: string, filter: AuditFilter, limit: number) => readAuditPage(orm, chainId, filter, limit),
    proofChains: () => listProofChains(pooled),
    heads: () => chainHeads(pooled),
    head: (chainId: string) => chainHead(pooled, chainId),
    checkpoints: (chainId: string, options?: { afterSeq?: number; limit?: number }) => listCheckpoints(pooled, chainId, options),
    latestCheckpoint: (chainId: string, tx?: Tx) => latestCheckpoint(tx?.sql ?? pooled, chainId),
    insertCheckpoint: (tx: Tx, checkpoint: SignedCheckpoint) => insertCheckpoint(tx.sql, checkpoint),
    lockHead: (tx: Tx, chainId: string) => lockChainHead(tx.sql, chainId),
    /** Ids of requests in the tables or the trail (a request on only one side is itself a difference), after `afterId`. */
    async requestIdsOnEitherSide(afterId: string, teamId: string | null, limit: number): Promise<string[]> {
      const [rows = []] = await pooled.run([sql`select id from (
          select id from submission where id > ${afterId}::uuid ${teamId ? sql`and team_id = ${teamId}` : sql``}
          union
          select submission_id as id from audit_event where type = 'submission.created' and submission_id > ${afterId}::uuid ${teamId ? sql`and chain_id = ${teamId}` : sql``}
        ) ids order by id limit ${limit}`]);
      return rows.map((r) => r.id as string);
    },
  };
}
export type AuditRepository = ReturnType<typeof createAuditRepository>;
