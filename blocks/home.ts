import type { HomeView, KnownBlock } from '@slack/types';
import type { Capacity, DelegationLine, HomeContent, OwnRequest, PendingItem } from '../src/domain/index.ts';

export type { HomeContent };
import { button, context, decisionButtons, header, retractButton, section } from './cards.ts';
import { humanDuration, mention, shortId, slackDate, STATUS_EMOJI, STATUS_LABEL } from './format.ts';
import { LIMITS } from './limits.ts';
import { escapeMrkdwn, plain } from './text.ts';
import { HOME_IDS } from './admin/ids.ts';
import { adminBlocks } from './admin/menu.ts';

/** How many of each list the Home tab shows, so the whole view stays within Slack's 100 blocks. */
export const HOME_SHOWN = { pending: 20, retractable: 5, requests: 10, delegations: 5 } as const;

const divider: KnownBlock = { type: 'divider' };

function capacityNote(capacity: Capacity): string {
  switch (capacity.kind) {
    case 'delegate': return ` · as delegate of ${mention(capacity.of)}`;
    case 'escalation': return ' · escalated to you';
    case 'role': return ` · as \`${capacity.role}\``;
    case 'manager': return ' · as their manager';
    default: return '';
  }
}

function pendingBlocks(item: PendingItem, now: Date): KnownBlock[] {
  const late = now.getTime() - Date.parse(item.dueAt);
  const due = late > 0 ? `:warning: overdue by ${humanDuration(late)}` : `due ${slackDate(item.dueAt)}`;
  const lines = [
    `*${escapeMrkdwn(item.title)}*`,
    `${escapeMrkdwn(item.workflowName)} · from ${mention(item.requesterId)}${capacityNote(item.capacity)}`,
    `Stage ${item.stepNumber} of ${item.stepCount}: *${escapeMrkdwn(item.stageName)}* · ${item.approvals} of ${item.required} approvals · ${due}`,
  ];
  return [section(lines.join('\n')), decisionButtons(HOME_IDS.pendingActions(item.stageInstanceId), item.submissionId, item.stageInstanceId, item.workflowVersion)];
}

/** An approval the reader gave on a stage still open: they may take it back (a modal asks why). */
function retractableBlocks(item: PendingItem): KnownBlock[] {
  const line = `*${escapeMrkdwn(item.title)}* · from ${mention(item.requesterId)} · stage *${escapeMrkdwn(item.stageName)}* · ${item.approvals} of ${item.required} approvals`;
  return [section(`:white_check_mark: You approved ${line}`), retractButton(HOME_IDS.retractActions(item.stageInstanceId), item.submissionId, item.stageInstanceId, item.workflowVersion)];
}

function requestLine(request: OwnRequest): string {
  const where = request.openStageNames.length ? ` · at ${request.openStageNames.map((n) => `*${escapeMrkdwn(n)}*`).join(', ')}` : '';
  return `${STATUS_EMOJI[request.status]} *${escapeMrkdwn(request.title)}* · ${STATUS_LABEL[request.status]}${where} · \`${shortId(request.id)}\` · ${slackDate(request.createdAt, '{date_short}')}`;
}

function delegationLine(d: DelegationLine, now: Date): string {
  const scope = d.workflowKey ? `for \`${escapeMrkdwn(d.workflowKey)}\`` : 'for all workflows';
  const started = Date.parse(d.startsAt) <= now.getTime();
  const when = started ? `until ${slackDate(d.endsAt)}` : `from ${slackDate(d.startsAt)} until ${slackDate(d.endsAt)}`;
  return d.direction === 'out'
    ? `:palm_tree: ${mention(d.otherUserId)} decides for you ${scope} ${when}`
    : `:handshake: You decide for ${mention(d.otherUserId)} ${scope} ${when}`;
}

/** The App Home tab of one person: what waits for them, their requests, delegations, and admin tools. */
export function homeView(content: HomeContent, now: Date): HomeView & { blocks: KnownBlock[] } {
  const blocks: KnownBlock[] = [];
  const pendingCount = content.pending.length + content.morePending;
  blocks.push(header(`Waiting for you (${pendingCount})`));
  if (pendingCount === 0) blocks.push(context('Nothing is waiting for your decision. :tada:'));
  for (const item of content.pending.slice(0, HOME_SHOWN.pending)) blocks.push(...pendingBlocks(item, now));
  const hidden = pendingCount - Math.min(content.pending.length, HOME_SHOWN.pending);
  if (hidden > 0) blocks.push(context(`…and ${hidden} more; the oldest deadlines are shown first. Decide on these and the rest appear here.`));

  const retractable = (content.retractable ?? []).slice(0, HOME_SHOWN.retractable);
  if (retractable.length > 0) {
    blocks.push(divider, header('Your approvals on stages still open'));
    for (const item of retractable) blocks.push(...retractableBlocks(item));
  }

  blocks.push(divider, header('Your requests'));
  if (content.requests.length === 0) blocks.push(context('You have no requests yet. Start one with `/approval new`.'));
  for (const request of content.requests.slice(0, HOME_SHOWN.requests)) blocks.push(section(requestLine(request)));

  blocks.push(divider, header('Delegation'));
  const delegations = content.delegations.slice(0, HOME_SHOWN.delegations);
  if (delegations.length === 0) {
    blocks.push(context('No delegation. Away? `/approval delegate @someone until YYYY-MM-DD` hands your approvals to them.'));
  } else {
    blocks.push(section(delegations.map((d) => delegationLine(d, now)).join('\n')));
  }
  if (content.delegations.some((d) => d.direction === 'out')) {
    blocks.push({
      type: 'actions',
      elements: [{
        ...button('End my delegation', HOME_IDS.revokeDelegations, 'off', 'danger'),
        confirm: {
          title: plain('End your delegation?', LIMITS.CONFIRM_TITLE),
          text: plain('Your delegate stops deciding for you at once, and new requests come to you again.', LIMITS.CONFIRM_TEXT),
          confirm: plain('End it', LIMITS.CONFIRM_BUTTON),
          deny: plain('Keep it', LIMITS.CONFIRM_BUTTON),
        },
      }],
    });
  }

  if (content.admin) blocks.push(divider, ...adminBlocks(content.admin.workflows, content.admin.roles));
  blocks.push(context(`Updated ${slackDate(now)}`));
  return { type: 'home', blocks: blocks.slice(0, LIMITS.VIEW_BLOCKS) };
}
