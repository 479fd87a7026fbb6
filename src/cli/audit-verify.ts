import { loadDatabaseEnv } from '../config/env.ts';
import { openMigratedDatabase } from '../db/connect.ts';
import type { WitnessedCheckpoint } from '../domain/witness.ts';
import { createServices, defaultDeps } from '../services/index.ts';
import { publicKeyFrom } from './audit-keys.ts';
import { runCli } from './run-cli.ts';
import { checkpointsFromFiles, checkpointsFromSlack } from './witness-checkpoints.ts';

/** Checkpoints kept outside the database: the files given, and the witness channel's posts when configured. Null when one cannot be read. */
async function witnessed(files: readonly string[], readSlack: boolean): Promise<WitnessedCheckpoint[] | null> {
  const found: WitnessedCheckpoint[] = [];
  try {
    found.push(...(await checkpointsFromFiles(files)));
  } catch (error) {
    console.log(`error: --checkpoints: ${(error as Error).message}`);
    return null;
  }
  const channelId = process.env.AUDIT_CHANNEL_ID;
  const token = process.env.SLACK_BOT_TOKEN;
  if (readSlack && channelId && token) {
    try {
      const posted = await checkpointsFromSlack({ token, channelId, ...(process.env.SLACK_API_URL ? { slackApiUrl: process.env.SLACK_API_URL } : {}) });
      console.log(`witness channel ${channelId}: ${posted.length} checkpoint(s) read back`);
      found.push(...posted);
    } catch (error) {
      // A witness that is configured but cannot be read is not silently skipped.
      console.log(`error: could not read the witness channel ${channelId}: ${(error as Error).message} (use --no-slack to verify without it)`);
      return null;
    }
  }
  return found;
}

await runCli({
  name: 'audit:verify',
  summary: [
    'Verifies every audit chain, every checkpoint signature, and that each chain still matches every checkpoint:',
    'the stored ones, and those kept outside the database (files given with --checkpoints, and the witness',
    'channel\'s posts when AUDIT_CHANNEL_ID and SLACK_BOT_TOKEN are set). Prints the first problem of each chain',
    'and the rows checked per second; exits 1 when anything is wrong.',
  ].join('\n'),
  usage: [
    '--public-key <PEM, base64 or file>   check signatures against this key (else AUDIT_PUBLIC_KEY or AUDIT_SIGNING_KEY)',
    '--team T123                          only this workspace',
    '--checkpoints <file>                 checkpoints kept outside the database (an export, saved witness posts); repeatable',
    '--no-slack                           do not read the witness channel back',
  ],
  options: { 'public-key': { type: 'string' }, team: { type: 'string' }, checkpoints: { type: 'string', multiple: true, default: [] }, slack: { type: 'boolean', default: true } },
  allowNegative: true,
}, async (values) => {
  const env = loadDatabaseEnv();
  const publicKey = publicKeyFrom(values['public-key']);
  const outside = await witnessed(values.checkpoints, values.slack);
  if (!outside) return 1;
  const orm = await openMigratedDatabase({ databaseUrl: env.DATABASE_URL, poolSize: 2 });
  let failed = false;
  try {
    const service = createServices(defaultDeps(orm)).checkpoints;
    if (!publicKey) console.log('warning: no public key (set AUDIT_PUBLIC_KEY, AUDIT_SIGNING_KEY or --public-key): checkpoint signatures are NOT checked');
    const reports = values.team ? [await service.verify(values.team, publicKey, outside)] : await service.verifyAll(publicKey, outside);
    if (reports.length === 0) console.log('No audit events yet.');
    let rows = 0;
    let seconds = 0;
    for (const report of reports) {
      rows += report.checked;
      seconds += report.seconds;
      const rate = report.seconds > 0 ? Math.round(report.checked / report.seconds) : report.checked;
      const anchors = `${report.checkpoints} checkpoint(s)${report.witnessed ? ` and ${report.witnessed} kept outside the database` : ''}${report.signaturesChecked ? ', signatures valid' : ', signatures unchecked'}`;
      if (report.ok) {
        console.log(`chain ${report.chainId}: OK, ${report.checked} rows up to seq ${report.head?.seq ?? 0}, ${anchors} (${rate} rows/s)`);
      } else {
        failed = true;
        console.log(`chain ${report.chainId}: BROKEN at seq ${report.problem?.seq}: ${report.problem?.kind}: ${report.problem?.message} (${report.checked} rows checked, ${rate} rows/s)`);
      }
    }
    if (reports.length > 1) console.log(`total: ${rows} rows in ${seconds.toFixed(2)} s (${seconds > 0 ? Math.round(rows / seconds) : rows} rows/s)`);
  } finally {
    await orm.close();
  }
  return failed ? 1 : 0;
});
