import { loadDatabaseEnv } from '../config/env.ts';
import { openMigratedDatabase } from '../db/connect.ts';
import { createCheckpointService } from '../services/checkpoint-service.ts';
import { defaultDeps } from '../services/deps.ts';
import { publicKeyFrom } from './audit-keys.ts';
import { runCli } from './run-cli.ts';

await runCli({
  name: 'audit:verify',
  summary: 'Verifies every audit chain, every checkpoint signature, and that each chain still matches every checkpoint.\nPrints the first problem of each chain and the rows checked per second; exits 1 when anything is wrong.',
  usage: ['--public-key <PEM, base64 or file>   check signatures against this key (else AUDIT_PUBLIC_KEY or AUDIT_SIGNING_KEY)', '--team T123                          only this workspace'],
  options: { 'public-key': { type: 'string' }, team: { type: 'string' } },
}, async (values) => {
  const env = loadDatabaseEnv();
  const publicKey = publicKeyFrom(values['public-key']);
  const orm = await openMigratedDatabase({ databaseUrl: env.DATABASE_URL, poolSize: 2 });
  let failed = false;
  try {
    const service = createCheckpointService(defaultDeps(orm));
    if (!publicKey) console.log('warning: no public key (set AUDIT_PUBLIC_KEY, AUDIT_SIGNING_KEY or --public-key): checkpoint signatures are NOT checked');
    const reports = values.team ? [await service.verify(values.team, publicKey)] : await service.verifyAll(publicKey);
    if (reports.length === 0) console.log('No audit events yet.');
    let rows = 0;
    let seconds = 0;
    for (const report of reports) {
      rows += report.checked;
      seconds += report.seconds;
      const rate = report.seconds > 0 ? Math.round(report.checked / report.seconds) : report.checked;
      const anchors = `${report.checkpoints} checkpoint(s)${report.signaturesChecked ? ', signatures valid' : ', signatures unchecked'}`;
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
