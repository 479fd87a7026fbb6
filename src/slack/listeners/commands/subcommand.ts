import type { ModalView } from '@slack/types';
import type { SlackMessage } from '../../../../blocks/cards.ts';
import type { SubcommandHelp } from '../../../../blocks/command-replies.ts';
import type { RequestMeta } from '../../../services/index.ts';
import type { SlackDeps } from '../../context.ts';

/** Who typed `/approval …`, where, and the words after the subcommand. */
export interface CommandContext {
  readonly teamId: string;
  readonly userId: string;
  readonly channelId: string;
  readonly args: readonly string[];
  readonly deps: SlackDeps;
  readonly meta: RequestMeta;
}

/** What a subcommand wants shown: an ephemeral reply, or a modal opened with the command's trigger. */
export type CommandOutcome = { readonly reply: SlackMessage } | { readonly open: ModalView };

/**
 * One `/approval <name>` subcommand. Others (admin, delegate) are added to the list in listeners/index.ts;
 * the dispatcher acks, routes and renders refusals for all of them the same way.
 */
export interface Subcommand extends SubcommandHelp {
  readonly name: string;
  run(ctx: CommandContext): Promise<CommandOutcome>;
}
