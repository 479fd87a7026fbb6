import type { App } from '@slack/bolt';
import type { SlackDeps } from '../context.ts';
import { registerCardActions } from './actions/card-actions.ts';
import { listenerRegistry, registerCatchAll } from './catch-all.ts';
import { adminSubcommand, registerAdmin } from './admin/index.ts';
import { registerRequestActions } from './actions/request-actions.ts';
import { helpSubcommand, registerApprovalCommand } from './commands/approval-command.ts';
import { requesterSubcommands } from './commands/requester-subcommands.ts';
import type { Subcommand } from './commands/subcommand.ts';
import { delegateSubcommand } from './delegate/index.ts';
import { registerHome } from './home/index.ts';
import { registerDecisionView } from './views/decision-view.ts';
import { registerRequestView } from './views/request-view.ts';
import { registerWithdrawView } from './views/withdraw-view.ts';

/**
 * Every Slack surface, registered in one place. Each surface folder exports `register…(app, deps)`;
 * `/approval` subcommands from other surfaces (admin, delegate) join the list below, and help lists them all.
 * Last comes the catch-all, which answers at once whatever none of them handles.
 */
export function registerListeners(bolt: App, deps: SlackDeps): void {
  const registry = listenerRegistry(bolt);
  const { app } = registry;
  const subcommands: Subcommand[] = [
    ...requesterSubcommands(),
    delegateSubcommand(),
    adminSubcommand(),
  ];
  subcommands.push(helpSubcommand(() => subcommands));
  registerApprovalCommand(app, deps, subcommands);

  registerCardActions(app, deps);
  registerRequestActions(app, deps);
  registerRequestView(app, deps);
  registerDecisionView(app, deps);
  registerWithdrawView(app, deps);
  registerHome(app, deps);
  registerAdmin(app, deps);

  registerCatchAll(bolt, registry);
}
