import { verifyChain, type VerifyResult } from '../domain/index.ts';
import { listChains, readChain, readSubmissionEvents } from '../db/audit-store.ts';
import type { ServiceDeps } from './deps.ts';

export interface ChainReport extends VerifyResult {
  readonly chainId: string;
  readonly seconds: number;
}

export function createAuditService(deps: ServiceDeps) {
  async function verify(chainId: string): Promise<ChainReport> {
    const started = performance.now();
    const result = await verifyChain(readChain(deps.orm.em.fork(), chainId));
    return { ...result, chainId, seconds: (performance.now() - started) / 1000 };
  }

  async function verifyAll(): Promise<ChainReport[]> {
    const chains = await listChains(deps.orm.em.fork());
    const reports: ChainReport[] = [];
    for (const chainId of chains) reports.push(await verify(chainId));
    return reports;
  }

  const submissionTrail = (submissionId: string) => readSubmissionEvents(deps.orm.em.fork(), submissionId);

  return { verify, verifyAll, submissionTrail };
}
export type AuditService = ReturnType<typeof createAuditService>;
