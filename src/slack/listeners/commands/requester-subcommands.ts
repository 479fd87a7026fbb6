import { firstAdminMessage } from '../../../../blocks/admin-setup.ts';
import { historyMessage, requestListMessage, statusMessage } from '../../../../blocks/command-replies.ts';
import { withdrawModal } from '../../../../blocks/decision-modals.ts';
import { STATUS_LABEL } from '../../../../blocks/format.ts';
import { requestModal } from '../../../../blocks/request-modal.ts';
import { DomainError, isActive, type SubmissionStatus } from '../../../domain/index.ts';
import type { SlackDeps } from '../../context.ts';
import type { CommandContext, CommandOutcome, Subcommand } from './subcommand.ts';

/**
 * The request form, with a workflow picked when one was named (by key or by name). With no workflow and
 * nobody who could make one (no admin yet), it says how the first admin is made instead.
 */
export async function openRequestForm(deps: SlackDeps, teamId: string, named: string | undefined, userId: string): Promise<CommandOutcome> {
  const workflows = await deps.services.workflows.list(teamId, { activeOnly: true });
  if (workflows.length === 0 && !(await deps.services.adminSetup.hasAdmins(teamId))) {
    return { reply: firstAdminMessage(userId, 'There are no workflows to submit to yet.') };
  }
  if (!named) return { open: requestModal({ workflows }) };
  const wanted = named.toLowerCase();
  const match = workflows.find((w) => w.key === wanted) ?? workflows.find((w) => w.name.toLowerCase() === wanted);
  if (!match) {
    const notice = `There is no active workflow "${named}". Pick one below.`;
    return { open: requestModal({ workflows, notice }) };
  }
  const selected = await deps.services.workflows.getVersion(teamId, match.key);
  return { open: requestModal({ workflows, selected: { key: match.key, version: selected.version, definition: selected.definition } }) };
}

function oneId(ctx: CommandContext, usage: string): string | undefined {
  if (ctx.args.length > 1) throw new DomainError('invalid_input', `Give one request id, like \`/approval ${usage}\`.`);
  return ctx.args[0];
}

async function visibleRequest(ctx: CommandContext, usage: string) {
  const submissions = ctx.deps.services.submissions;
  return submissions.visibleTo(ctx.teamId, await submissions.resolveId(ctx.teamId, oneId(ctx, usage)), ctx.userId);
}

export function requesterSubcommands(): Subcommand[] {
  return [
    {
      name: 'new',
      usage: 'new [workflow]',
      summary: 'Open the request form (bare `/approval` does too); name a workflow to skip the picker.',
      run: (ctx) => openRequestForm(ctx.deps, ctx.teamId, ctx.args.join(' ') || undefined, ctx.userId),
    },
    {
      name: 'list',
      usage: 'list [page]',
      summary: 'Your requests and where they stand, newest first, 20 at a time (`list 2` for the next 20).',
      async run(ctx) {
        const [pageArg, ...rest] = ctx.args;
        const page = pageArg === undefined ? 1 : /^[1-9][0-9]{0,5}$/.test(pageArg) ? Number(pageArg) : null;
        if (page === null || rest.length > 0) {
          throw new DomainError('invalid_input', '`/approval list` takes no arguments other than a page number, like `/approval list 2`; it lists your own requests.');
        }
        const listed = await ctx.deps.services.submissions.pageByRequester(ctx.teamId, ctx.userId, page);
        return { reply: requestListMessage({ ...listed, rows: listed.rows.map((r) => ({ id: r.id, title: r.title, workflowKey: r.workflowKey, status: r.status, createdAt: r.createdAt })) }) };
      },
    },
    {
      name: 'status',
      usage: 'status <id>',
      summary: 'Where one request stands: stages, who approved, who is pending, when it is due.',
      async run(ctx) {
        const { submission, definition } = await visibleRequest(ctx, 'status 3f2a9c1b');
        const links = await ctx.deps.services.submissions.revisionLinks(submission);
        return { reply: statusMessage({ submission, definition, ...links, now: ctx.deps.clock(), viewerId: ctx.userId }) };
      },
    },
    {
      name: 'history',
      usage: 'history <id>',
      summary: 'The audit trail of one request (for its requester, its reviewers and admins).',
      async run(ctx) {
        const { submission } = await visibleRequest(ctx, 'history 3f2a9c1b');
        const [rows, links] = await Promise.all([ctx.deps.services.audit.submissionTrail(submission.id), ctx.deps.services.submissions.revisionLinks(submission)]);
        const shown = rows.filter((r) => r.teamId === ctx.teamId);
        // Reading the trail is itself in the trail, as through the API.
        await ctx.deps.services.auditQuery.recordAboutTrail(ctx.teamId, 'audit.history_read', ctx.userId, { submissionId: submission.id, returned: shown.length }, ctx.meta);
        return { reply: historyMessage({ submission, rows: shown, successorId: links.successorId }) };
      },
    },
    {
      name: 'withdraw',
      usage: 'withdraw <id>',
      summary: 'Withdraw one of your active requests (asks you to confirm).',
      async run(ctx) {
        const id = await ctx.deps.services.submissions.resolveId(ctx.teamId, oneId(ctx, 'withdraw 3f2a9c1b'));
        const submission = await ctx.deps.services.submissions.get(ctx.teamId, id);
        return { open: withdrawConfirmation(submission.requesterId, ctx.userId, submission) };
      },
    },
  ];
}

/** The withdraw confirmation, or the refusal the service would give, said up front. */
export function withdrawConfirmation(requesterId: string, userId: string, submission: { id: string; title: string; status: SubmissionStatus }) {
  if (requesterId !== userId) throw new DomainError('not_requester', 'Only the person who made the request can withdraw it.');
  if (!isActive(submission.status)) throw new DomainError('not_active', `This request is already ${STATUS_LABEL[submission.status].toLowerCase()}, so there is nothing to withdraw.`);
  return withdrawModal({ submissionId: submission.id, title: submission.title, status: STATUS_LABEL[submission.status] });
}
