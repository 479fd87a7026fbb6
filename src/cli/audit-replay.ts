import { loadDatabaseEnv } from '../config/env.ts';
import { openMigratedDatabase } from '../db/connect.ts';
import { createServices, defaultDeps } from '../services/index.ts';
import { runCli, UsageError } from './run-cli.ts';

await runCli({
  name: 'audit:replay',
  summary: 'Rebuilds every request from the audit trail alone and compares it with the tables; prints each\ndifference and exits 1 if there is any. This is the proof that the trail is complete.',
  usage: ['--check        compare (required: the only mode)', '--team T123    only this workspace'],
  options: { check: { type: 'boolean', default: false }, team: { type: 'string' } },
}, async (values) => {
  if (!values.check) throw new UsageError('say --check');
  const env = loadDatabaseEnv();
  const orm = await openMigratedDatabase({ databaseUrl: env.DATABASE_URL, poolSize: 3 });
  try {
    const started = performance.now();
    const report = await createServices(defaultDeps(orm)).replay.check(values.team ? { teamId: values.team } : {});
    const seconds = (performance.now() - started) / 1000;
    for (const d of report.differences) {
      console.log(`submission ${d.submissionId} (team ${d.teamId ?? '?'}): ${d.path}: trail says ${JSON.stringify(d.fromTrail)}, tables say ${JSON.stringify(d.fromTables)}`);
    }
    console.log(`${report.submissions} submission(s) rebuilt from ${report.events} event(s) in ${seconds.toFixed(2)} s: ${report.differences.length === 0 ? 'trail and tables agree' : `${report.differences.length} difference(s)`}`);
    return report.differences.length === 0 ? 0 : 1;
  } finally {
    await orm.close();
  }
});
