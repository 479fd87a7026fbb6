import { loadDatabaseEnv } from '../config/env.ts';
import { createOrm } from '../db/orm.ts';
import { createAuditService } from '../services/audit-service.ts';
import { defaultDeps } from '../services/deps.ts';

/** Verifies every audit chain; exits 1 and names the first broken row when one is found. */
const env = loadDatabaseEnv();
const orm = await createOrm({ databaseUrl: env.DATABASE_URL, poolSize: 2 });
let failed = false;
try {
  const reports = await createAuditService(defaultDeps(orm)).verifyAll();
  if (reports.length === 0) console.log('No audit events yet.');
  for (const report of reports) {
    const rate = report.seconds > 0 ? Math.round(report.checked / report.seconds) : report.checked;
    if (report.ok) {
      console.log(`chain ${report.chainId}: OK, ${report.checked} rows up to seq ${report.head?.seq ?? 0} (${rate} rows/s)`);
    } else {
      failed = true;
      console.log(`chain ${report.chainId}: BROKEN at seq ${report.problem?.seq}: ${report.problem?.kind}: ${report.problem?.message} (${report.checked} rows checked, ${rate} rows/s)`);
    }
  }
} finally {
  await orm.close();
}
process.exitCode = failed ? 1 : 0;
