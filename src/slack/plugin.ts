import type { Plugin } from '../app.ts';
import { createSlackApp } from './app.ts';
import type { SlackDeps } from './context.ts';
import { registerListeners } from './listeners/index.ts';
import { createSlackDirectory, type SlackDirectoryOptions } from './slack-directory.ts';

export interface SlackPluginOptions {
  readonly directory?: SlackDirectoryOptions;
}

/** The Slack app as a plug-in: builds the Bolt app, registers every listener, serves `/slack/events`. */
export function createSlackPlugin(options: SlackPluginOptions = {}): Plugin {
  return async ({ env, orm, services, deps }) => {
    const slack = createSlackApp(env);
    const directory = createSlackDirectory(slack.app.client, options.directory);
    const slackDeps: SlackDeps = { services, directory, orm, clock: deps.clock };
    registerListeners(slack.app, slackDeps);
    slack.app.error(async (error) => {
      slack.app.logger.error('unhandled error in a Slack listener', error);
    });
    await slack.start();
    return {
      routes: slack.route ? [slack.route] : [],
      components: [{ name: 'slack', stop: () => slack.stop() }],
    };
  };
}

/** The Slack plug-in with default options, for the plug-in list in main.ts. */
export const slackPlugin: Plugin = createSlackPlugin();
