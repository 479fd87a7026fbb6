import { ConfigError, loadEnv } from './config/env.ts';
import { startApp, type Plugin } from './app.ts';
import { apiPlugin, checkpointPlugin } from './http/api/index.ts';
import { workerPlugin } from './jobs/runtime.ts';
import { slackPlugin } from './slack/plugin.ts';

/** The plug-ins this process runs: the Slack app, the REST API, checkpoint signing and, unless disabled, the worker. */
const basePlugins: Plugin[] = [slackPlugin, apiPlugin(), checkpointPlugin()];

try {
  const env = loadEnv();
  const plugins = env.RUN_WORKER ? [...basePlugins, workerPlugin()] : basePlugins;
  const app = await startApp(env, plugins);
  console.log(`Approvals listening on :${app.port}`);
  const shutdown = (signal: string) => {
    console.log(`${signal}: shutting down`);
    app.stop().then(() => process.exit(0), (error: unknown) => {
      console.error('shutdown failed', error);
      process.exit(1);
    });
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(78);
  }
  throw error;
}
