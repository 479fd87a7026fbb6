import type { AllMiddlewareArgs, App, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { z } from 'zod';
import type { SlackMessage } from '../../../../blocks/cards.ts';
import { firstAdminMessage } from '../../../../blocks/admin-setup.ts';
import { helpMessage, problemMessage, usageHint } from '../../../../blocks/command-replies.ts';
import { withOriginChannel } from '../../../../blocks/metadata.ts';
import { slackMeta, type SlackDeps } from '../../context.ts';
import { userMessageFor } from '../../errors.ts';
import { withinBudget } from '../ack-budget.ts';
import type { CommandContext, CommandOutcome, Subcommand } from './subcommand.ts';
import { slackUserIdSchema } from '../../../domain/index.ts';

export const APPROVAL_COMMAND = '/approval';

const commandSchema = z.object({
  team_id: z.string().min(1),
  user_id: slackUserIdSchema(),
  channel_id: z.string().min(1),
  trigger_id: z.string().min(1),
  text: z.string().max(4000).default(''),
});

const ephemeral = (message: SlackMessage) => ({ response_type: 'ephemeral' as const, text: message.text, blocks: message.blocks });

/** `/approval help`, built from the registered subcommands so it never goes out of date; says how an admin is made while there is none. */
export const helpSubcommand = (all: () => readonly Subcommand[]): Subcommand => ({
  name: 'help',
  usage: 'help',
  summary: 'Show this list.',
  run: async (ctx) => {
    const help = helpMessage(all());
    if (await ctx.deps.services.adminSetup.hasAdmins(ctx.teamId)) return { reply: help };
    const note = firstAdminMessage(ctx.userId);
    return { reply: { text: `${help.text}\n${note.text}`, blocks: [...help.blocks, ...note.blocks] } };
  },
});

/**
 * The one `/approval` listener: splits `text` into a subcommand and arguments, runs it within the ack budget,
 * and answers with an ephemeral reply (in the ack itself) or opens a modal. Bare `/approval` means `new`.
 */
export function approvalCommand(deps: SlackDeps, subcommands: readonly Subcommand[]) {
  return async ({ command, ack, respond, client, logger }: SlackCommandMiddlewareArgs & AllMiddlewareArgs): Promise<void> => {
    const parsed = commandSchema.safeParse(command);
    if (!parsed.success) {
      await ack(ephemeral(problemMessage('That command arrived incomplete, so I could not act on it. Please try again.')));
      return;
    }
    const { team_id: teamId, user_id: userId, channel_id: channelId, trigger_id: triggerId } = parsed.data;
    const [word = 'new', ...args] = parsed.data.text.trim().split(/\s+/).filter(Boolean);
    const name = word.toLowerCase();
    const subcommand = subcommands.find((s) => s.name === name);
    if (!subcommand) {
      await ack(ephemeral(problemMessage(`I don't know \`/approval ${word}\`.`, usageHint(subcommands))));
      return;
    }
    const ctx: CommandContext = { teamId, userId, channelId, args, deps, meta: slackMeta(teamId, { channelId, surface: `command:${name}` }) };

    const deliver = async (outcome: CommandOutcome, acked: boolean): Promise<void> => {
      if ('reply' in outcome) {
        if (acked) await respond(ephemeral(outcome.reply));
        else await ack(ephemeral(outcome.reply));
        return;
      }
      if (!acked) await ack();
      try {
        // The modal carries the channel the command was typed in, for the audit events of what is done in it.
        await client.views.open({ trigger_id: triggerId, view: withOriginChannel(outcome.open, channelId) });
      } catch (error) {
        logger.warn('views.open failed for /approval', error);
        await respond(ephemeral(problemMessage('Slack did not let me open the form in time. Please run the command again.')));
      }
    };

    let acked = false;
    try {
      const raced = await withinBudget(subcommand.run(ctx));
      if (raced.done) {
        acked = true; // deliver acks first thing
        await deliver(raced.value, false);
        return;
      }
      acked = true;
      await ack(ephemeral(problemMessage('Working on it…')));
      await deliver(await raced.later, true);
    } catch (error) {
      const reply = ephemeral(problemMessage(userMessageFor(error, logger)));
      if (acked) await respond(reply);
      else await ack(reply);
    }
  };
}

export function registerApprovalCommand(app: App, deps: SlackDeps, subcommands: readonly Subcommand[]): void {
  app.command(APPROVAL_COMMAND, approvalCommand(deps, subcommands));
}
