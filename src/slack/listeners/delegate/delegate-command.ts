import { delegationCreatedMessage, delegationProblemMessage, delegationRevokedMessage } from '../../../../blocks/delegation.ts';
import { isDomainError } from '../../../domain/index.ts';
import type { CommandContext, CommandOutcome, Subcommand } from '../commands/subcommand.ts';
import { parseDelegateArgs, type DelegateRequest } from './parse-delegate.ts';
import { isKnownTimeZone, startOfDayIn } from './zoned-date.ts';

const dateText = (d: { year: number; month: number; day: number }): string =>
  `${d.year}-${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}`;

const problem = (text: string): CommandOutcome => ({ reply: delegationProblemMessage(text) });

/** The reader's time zone from Slack; UTC when Slack does not say or names a zone we do not know. */
async function timeZoneOf(ctx: CommandContext): Promise<string> {
  const tz = await ctx.deps.directory.timeZoneOf(ctx.teamId, ctx.userId);
  return tz && isKnownTimeZone(tz) ? tz : 'UTC';
}

async function setDelegation(ctx: CommandContext, request: Extract<DelegateRequest, { kind: 'set' }>): Promise<CommandOutcome> {
  const { services, directory, clock } = ctx.deps;
  if (request.toUserId === ctx.userId) return problem('You cannot delegate to yourself; name someone who decides while you are away.');
  if (request.workflowKey) {
    const workflows = await services.workflows.list(ctx.teamId);
    if (!workflows.some((w) => w.key === request.workflowKey)) {
      const known = workflows.map((w) => `\`${w.key}\``).join(', ');
      return problem(`There is no workflow "${request.workflowKey}".${known ? ` Workflows: ${known}.` : ''} Leave it out to delegate all of them.`);
    }
  }
  const delegate = await directory.user(ctx.teamId, request.toUserId);
  if (!delegate || delegate.deleted || delegate.isBot) return problem('That person cannot take your approvals (the account is deactivated, a bot, or unknown).');

  const tz = await timeZoneOf(ctx);
  const now = clock();
  const endsAt = startOfDayIn(request.until, tz, 1);
  if (endsAt.getTime() <= now.getTime()) return problem(`${dateText(request.until)} has already passed (in your time zone, ${tz}).`);
  const firstDay = request.from ? startOfDayIn(request.from, tz) : now;
  if (firstDay.getTime() >= endsAt.getTime()) return problem(`"until" (${dateText(request.until)}) is before "from"${request.from ? ` (${dateText(request.from)})` : ''}.`);
  const startsAt = firstDay.getTime() > now.getTime() ? firstDay : now;

  try {
    await services.directory.createDelegation({
      teamId: ctx.teamId, fromUserId: ctx.userId, toUserId: request.toUserId, startsAt, endsAt, workflowKey: request.workflowKey,
    }, ctx.meta);
  } catch (error) {
    if (isDomainError(error)) return problem(error.message);
    throw error;
  }
  return { reply: delegationCreatedMessage({ toUserId: request.toUserId, startsAt, endsAt, workflowKey: request.workflowKey, now }) };
}

/**
 * `/approval delegate @user [from DATE] until DATE [workflow]` and `/approval delegate off`. Dates are whole
 * days in the person's Slack time zone: from the start of "from" (or now) to the end of "until".
 */
export async function runDelegateCommand(ctx: CommandContext): Promise<CommandOutcome> {
  const request = parseDelegateArgs(ctx.args);
  switch (request.kind) {
    case 'problem':
      return problem(request.problem);
    case 'off':
      return { reply: delegationRevokedMessage(await ctx.deps.services.directory.revokeDelegations(ctx.teamId, ctx.userId, ctx.userId, ctx.meta)) };
    case 'set':
      return setDelegation(ctx, request);
  }
}

export const delegateSubcommand = (): Subcommand => ({
  name: 'delegate',
  usage: 'delegate @someone [from YYYY-MM-DD] until YYYY-MM-DD [workflow] | delegate off',
  summary: 'While you are away, someone else decides for you (all workflows or one); `off` ends it.',
  run: runDelegateCommand,
});
