import { parseArgs } from 'node:util';
import { loadDatabaseEnv } from '../config/env.ts';
import { createOrm } from '../db/orm.ts';
import { createServices, defaultDeps } from '../services/index.ts';

/**
 * Rebuilds every submission from the audit trail alone and compares it with the tables; any difference is
 * printed and the exit code is 1. This is the proof that the trail is complete.
 *
 *   npm run audit:replay -- --check [--team T123]
 */
const { values } = parseArgs({ options: { check: { type: 'boolean', default: false }, team: { type: 'string' } } });
if (!values.check) {
  console.error('usage: npm run audit:replay -- --check [--team T123]');
  process.exit(2);
}
const env = loadDatabaseEnv();
const orm = await createOrm({ databaseUrl: env.DATABASE_URL, poolSize: 3 });
try {
  const started = performance.now();
  const report = await createServices(defaultDeps(orm)).replay.check(values.team ? { teamId: values.team } : {});
  const seconds = (performance.now() - started) / 1000;
  for (const d of report.differences) {
    console.log(`submission ${d.submissionId} (team ${d.teamId ?? '?'}): ${d.path}: trail says ${JSON.stringify(d.fromTrail)}, tables say ${JSON.stringify(d.fromTables)}`);
  }
  console.log(`${report.submissions} submission(s) rebuilt from ${report.events} event(s) in ${seconds.toFixed(2)} s: ${report.differences.length === 0 ? 'trail and tables agree' : `${report.differences.length} difference(s)`}`);
  process.exitCode = report.differences.length === 0 ? 0 : 1;
} finally {
  await orm.close();
}
