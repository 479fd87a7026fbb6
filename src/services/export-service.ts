import { randomUUID } from 'node:crypto';
import { encodeBody, type AuditRow } from '../domain/index.ts';
import type { SignedCheckpoint } from '../domain/checkpoint.ts';
import type { AuditFilter, AuditRepository } from '../db/audit-repository.ts';
import type { CheckpointService, Signer } from './checkpoint-service.ts';
import type { RequestMeta } from './deps.ts';

export const EXPORT_FORMATS = ['csv', 'jsonl'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface ExportOptions {
  readonly format: ExportFormat;
  /** One workspace's chain; every chain when absent. */
  readonly teamId?: string;
  readonly from?: Date;
  readonly to?: Date;
  readonly workflowKey?: string;
  readonly submissionId?: string;
  /** With a signer the export ends at a fresh checkpoint; without, at the newest stored one. */
  readonly signer?: Signer | null;
  /** Recorded on the checkpoint a signer signs: who exported (the command line's operator by default). */
  readonly meta?: RequestMeta;
}

export const CSV_COLUMNS = [
  'record', 'chain_id', 'seq', 'occurred_at', 'type', 'event_id', 'team_id', 'submission_id', 'workflow_key', 'workflow_version',
  'stage_instance_id', 'stage_id', 'actor_id', 'capacity', 'reason', 'details', 'origin', 'correlation_id', 'trace_id',
  'schema_version', 'prev_hash', 'hash', 'body', 'signature',
] as const;

/** RFC 4180: quote when needed; an empty string is written as "" so it differs from null (an empty field). */
function csvField(value: string | number | null): string {
  if (value === null) return '';
  const text = String(value);
  return text === '' || /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

const json = (value: unknown): string | null => (value === null || value === undefined ? null : JSON.stringify(value));

function csvEvent(row: AuditRow): string {
  return [
    'event', row.chainId, row.seq, row.occurredAt, row.type, row.eventId, row.teamId, row.submissionId, row.workflowKey, row.workflowVersion,
    row.stageInstanceId, row.stageId, row.actorId, json(row.capacity), row.reason, json(row.details), json(row.origin), row.correlationId,
    row.traceId, row.schemaVersion, row.prevHash, row.hash, encodeBody(row), null,
  ].map(csvField).join(',');
}

function csvCheckpoint(cp: SignedCheckpoint): string {
  const cells: (string | number | null)[] = CSV_COLUMNS.map(() => null);
  const set = (column: (typeof CSV_COLUMNS)[number], value: string | number) => { cells[CSV_COLUMNS.indexOf(column)] = value; };
  set('record', 'checkpoint');
  set('chain_id', cp.chainId);
  set('seq', cp.seq);
  set('occurred_at', cp.signedAt);
  set('hash', cp.hash);
  set('body', cp.payload);
  set('signature', cp.signature);
  return cells.map(csvField).join(',');
}

const jsonlEvent = (row: AuditRow): string => JSON.stringify({ record: 'event', ...row });
const jsonlCheckpoint = (cp: SignedCheckpoint): string => JSON.stringify({
  record: 'checkpoint', chainId: cp.chainId, seq: cp.seq, hash: cp.hash, count: cp.count, signedAt: cp.signedAt, keyId: cp.keyId, payload: cp.payload, signature: cp.signature,
});

export interface ExportServiceDeps {
  readonly audit: Pick<AuditRepository, 'heads' | 'latestCheckpoint' | 'chainPages'>;
  readonly checkpoints: Pick<CheckpointService, 'signChain'>;
  /** Records that a chain was exported (`audit.exported`), after its rows went out. */
  readonly recordExport: (chainId: string, details: Record<string, unknown>, meta: RequestMeta) => Promise<void>;
}

export function createExportService(deps: ExportServiceDeps) {
  const { checkpoints } = deps;

  /**
   * Streams the trail, one chain after another, each followed by the signed checkpoint it ends at: rows are
   * read in keyset pages and handed to `write` page by page (await it for back-pressure), so memory stays
   * constant however long the chain is.
   */
  async function exportAudit(write: (chunk: string) => Promise<void> | void, options: ExportOptions): Promise<{ chains: number; rows: number }> {
    const chains = options.teamId ? [options.teamId] : (await deps.audit.heads()).map((h) => h.chainId);
    const csv = options.format === 'csv';
    if (csv) await write(`${CSV_COLUMNS.join(',')}\n`);
    let rows = 0;
    let exported = 0;
    const meta = options.meta ?? { origin: { kind: 'cli', command: 'audit:export' }, traceId: randomUUID() };
    for (const chainId of chains) {
      const checkpoint = options.signer
        ? (await checkpoints.signChain(chainId, options.signer, meta))?.checkpoint ?? null
        : await deps.audit.latestCheckpoint(chainId);
      if (!checkpoint) {
        if (options.teamId) throw new Error(`chain ${chainId} has no events${options.signer ? '' : ' or no checkpoint yet (set AUDIT_SIGNING_KEY to sign one now)'}`);
        continue;
      }
      const filter: AuditFilter = {
        uptoSeq: checkpoint.seq,
        ...(options.from ? { from: options.from } : {}),
        ...(options.to ? { to: options.to } : {}),
        ...(options.workflowKey ? { workflowKey: options.workflowKey } : {}),
        ...(options.submissionId ? { submissionId: options.submissionId } : {}),
      };
      let chainRows = 0;
      for await (const page of deps.audit.chainPages(chainId, filter)) {
        if (page.length === 0) continue;
        let chunk = '';
        for (const row of page) chunk += `${csv ? csvEvent(row) : jsonlEvent(row)}\n`;
        await write(chunk);
        chainRows += page.length;
      }
      await write(`${csv ? csvCheckpoint(checkpoint) : jsonlCheckpoint(checkpoint)}\n`);
      rows += chainRows;
      exported++;
      // The export itself goes into the exported chain, after the checkpoint it ended at (so the file is unaffected).
      await deps.recordExport(chainId, {
        format: options.format, rows: chainRows, uptoSeq: checkpoint.seq,
        filters: { from: options.from?.toISOString() ?? null, to: options.to?.toISOString() ?? null, workflowKey: options.workflowKey ?? null, submissionId: options.submissionId ?? null },
      }, meta);
    }
    return { chains: exported, rows };
  }

  return { exportAudit };
}
export type ExportService = ReturnType<typeof createExportService>;
