import { linkOf, verifyChain, type AuditRow, type ChainLink, type VerifyResult } from '../domain/index.ts';
import type { AuditRepository } from '../db/audit-repository.ts';

export interface ChainReport extends VerifyResult {
  readonly chainId: string;
  readonly seconds: number;
}

async function* links(rows: AsyncIterable<AuditRow>): AsyncGenerator<ChainLink> {
  for await (const row of rows) yield linkOf(row);
}

export interface AuditServiceDeps {
  readonly audit: Pick<AuditRepository, 'readChain' | 'listChains' | 'submissionEvents'>;
}

export function createAuditService(deps: AuditServiceDeps) {
  /**
   * Verifies a chain with the body encoded here in TypeScript from the stored columns, independently of the
   * database's own encoding (which the fast checkpoint verifier uses).
   */
  async function verify(chainId: string): Promise<ChainReport> {
    const started = performance.now();
    const result = await verifyChain(links(deps.audit.readChain(chainId)));
    return { ...result, chainId, seconds: (performance.now() - started) / 1000 };
  }

  async function verifyAll(): Promise<ChainReport[]> {
    const chains = await deps.audit.listChains();
    const reports: ChainReport[] = [];
    for (const chainId of chains) reports.push(await verify(chainId));
    return reports;
  }

  const submissionTrail = (submissionId: string) => deps.audit.submissionEvents(submissionId);

  return { verify, verifyAll, submissionTrail };
}
export type AuditService = ReturnType<typeof createAuditService>;
