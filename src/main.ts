import { loadEnv } from './config/env.ts';
import { startApp, type Plugin } from './app.ts';
import { apiPlugin } from './http/api/index.ts';
import { checkpointPlugin } from './jobs/checkpoint-signer.ts';
import { workerPlugin } from './jobs/runtime.ts';
import { runProcess } from './run-process.ts';
import { slackPlugin } from './slack/plugin.ts';

/** The plug-ins this process runs: the Slack app, the REST API, checkpoint signing and, unless disabled, the worker. */
const basePlugins: Plugin[] = [slackPlugin, apiPlugin(), checkpointPlugin()];

await runProcess(async () => {
  const env = loadEnv();
  const app = await startApp(env, env.RUN_WORKER ? [...basePlugins, workerPlugin()] : basePlugins);
  return { ready: `Approvals listening on :${app.port}${env.RUN_WORKER ? ' (worker in process)' : ''}`, stop: () => app.stop({ drainMs: env.SHUTDOWN_DRAIN_SECONDS * 1000 }) };
});
