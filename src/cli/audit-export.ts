import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import type { Writable } from 'node:stream';
import { z } from 'zod';
import { loadDatabaseEnv } from '../config/env.ts';
import { createOrm } from '../db/orm.ts';
import { createServices, defaultDeps } from '../services/index.ts';
import { EXPORT_FORMATS } from '../services/export-service.ts';
import { signingKeyFrom } from './audit-keys.ts';
import { ACTOR_OPTION, cliMeta } from './cli-meta.ts';

/**
 * Streams the audit trail as CSV or JSON Lines, each chain ending with a signed checkpoint line, so the
 * file verifies on its own with the public key (docs/audit-format.md).
 *
 *   npm run audit:export -- --format csv|jsonl [--team T123] [--from 2026-01-01] [--to 2026-02-01]
 *                           [--workflow purchase-order] [--submission <uuid>] [--out file] [--actor name]
 *
 * With a signing key it signs a checkpoint, recorded in the trail with who ran the command (--actor, or the OS user).
 */
const { values } = parseArgs({
  options: {
    format: { type: 'string', default: 'jsonl' }, team: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' },
    workflow: { type: 'string' }, submission: { type: 'string' }, out: { type: 'string' }, ...ACTOR_OPTION,
  },
});
const date = z.coerce.date().refine((d) => !Number.isNaN(d.getTime()), 'must be a date such as 2026-01-31 or an ISO time');
const options = z.object({
  format: z.enum(EXPORT_FORMATS),
  team: z.string().regex(/^[TE][A-Z0-9]+$|^system$/).optional(),
  from: date.optional(),
  to: date.optional(),
  workflow: z.string().min(1).optional(),
  submission: z.uuid().optional(),
  out: z.string().optional(),
  actor: z.string().optional(),
}).safeParse(values);
if (!options.success) {
  console.error(`audit:export: ${options.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('; ')}`);
  process.exit(2);
}
const opts = options.data;
const meta = cliMeta('audit:export', opts.actor);
const env = loadDatabaseEnv();
const orm = await createOrm({ databaseUrl: env.DATABASE_URL, poolSize: 3 });
const out: Writable = opts.out ? createWriteStream(opts.out) : process.stdout;
try {
  const signingKey = signingKeyFrom();
  const summary = await createServices(defaultDeps(orm)).exports.exportAudit(async (chunk) => {
    if (!out.write(chunk)) await once(out, 'drain');
  }, {
    format: opts.format,
    ...(opts.team ? { teamId: opts.team } : {}),
    ...(opts.from ? { from: opts.from } : {}),
    ...(opts.to ? { to: opts.to } : {}),
    ...(opts.workflow ? { workflowKey: opts.workflow } : {}),
    ...(opts.submission ? { submissionId: opts.submission } : {}),
    signer: signingKey ? { privateKey: signingKey } : null,
    meta,
  });
  if (!signingKey) console.error('note: AUDIT_SIGNING_KEY is not set; each chain ends at its newest stored checkpoint');
  console.error(`exported ${summary.rows} rows from ${summary.chains} chain(s)`);
} catch (error) {
  console.error(`audit:export failed: ${(error as Error).message}`);
  process.exitCode = 1;
} finally {
  if (opts.out) {
    out.end();
    await once(out, 'finish');
  }
  await orm.close();
}
