import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { z } from 'zod';
import { loadDatabaseEnv } from '../config/env.ts';
import { openMigratedDatabase } from '../db/connect.ts';
import { EXPORT_FORMATS } from '../services/export-service.ts';
import { createServices, defaultDeps } from '../services/index.ts';
import { signingKeyFrom } from './audit-keys.ts';
import { ACTOR_OPTION, ACTOR_USAGE, cliMeta } from './cli-meta.ts';
import { runCli, UsageError } from './run-cli.ts';

const date = z.coerce.date().refine((d) => !Number.isNaN(d.getTime()), 'must be a date such as 2026-01-31 or an ISO time');
const optionsSchema = z.object({
  format: z.enum(EXPORT_FORMATS),
  team: z.string().regex(/^[TE][A-Z0-9]+$|^system$/, 'must be a workspace id such as T0123ABCD').optional(),
  from: date.optional(),
  to: date.optional(),
  workflow: z.string().min(1).optional(),
  submission: z.uuid().optional(),
  out: z.string().optional(),
  actor: z.string().optional(),
});

await runCli({
  name: 'audit:export',
  summary: 'Streams the audit trail as CSV or JSON Lines, each chain ending with a signed checkpoint line, so the\nfile verifies on its own with the public key (docs/audit-format.md). With a signing key it signs a checkpoint,\nrecorded in the trail with who ran the command.',
  usage: [
    `--format ${EXPORT_FORMATS.join('|')}   (default jsonl)`,
    '--team T123              only this workspace',
    '--from 2026-01-01        events at or after',
    '--to 2026-02-01          events before',
    '--workflow <key>         only this workflow',
    '--submission <uuid>      only this request',
    '--out <file>             write here instead of stdout',
    ACTOR_USAGE,
  ],
  options: {
    format: { type: 'string', default: 'jsonl' }, team: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' },
    workflow: { type: 'string' }, submission: { type: 'string' }, out: { type: 'string' }, ...ACTOR_OPTION,
  },
}, async (values) => {
  const parsed = optionsSchema.safeParse(values);
  if (!parsed.success) throw new UsageError(parsed.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('; '));
  const opts = parsed.data;
  const meta = cliMeta('audit:export', opts.actor);
  const env = loadDatabaseEnv();
  const signingKey = signingKeyFrom();
  const orm = await openMigratedDatabase({ databaseUrl: env.DATABASE_URL, poolSize: 3 });
  const out: Writable = opts.out ? createWriteStream(opts.out) : process.stdout;
  try {
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
  } finally {
    if (opts.out) {
      out.end();
      await once(out, 'finish');
    }
    await orm.close();
  }
});
