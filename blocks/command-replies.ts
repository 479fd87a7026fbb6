import type { KnownBlock } from '@slack/types';
import type { AuditRow, Capacity, SubmissionState, SubmissionStatus } from '../src/domain/index.ts';
import { context, header, requesterCard, section, type CardInput, type SlackMessage } from './cards.ts';
import { mention, mentionList, shortId, slackDate, STATUS_EMOJI, STATUS_LABEL } from './format.ts';
import { LIMITS } from './limits.ts';
import { escapeMrkdwn, packLines, truncate, truncateMrkdwn } from './text.ts';

/** A subcommand as `/approval help` lists it. */
export interface SubcommandHelp {
  readonly usage: string;
  readonly summary: string;
}

/** `text` is mrkdwn like the blocks: anything people typed in it is escaped by the caller. */
const message = (text: string, blocks: KnownBlock[]): SlackMessage => ({ text: truncateMrkdwn(text, LIMITS.MESSAGE_TEXT), blocks: blocks.slice(0, LIMITS.MESSAGE_BLOCKS) });

/** A short refusal or correction: what was wrong and what would work. */
export function problemMessage(problem: string, suggestion?: string): SlackMessage {
  const text = `:warning: ${escapeMrkdwn(problem)}${suggestion ? `\n${suggestion}` : ''}`;
  return message(escapeMrkdwn(problem), [section(text)]);
}

export function helpMessage(subcommands: readonly SubcommandHelp[]): SlackMessage {
  const lines = subcommands.map((s) => `\`/approval ${escapeMrkdwn(s.usage)}\`: ${escapeMrkdwn(s.summary)}`);
  return message('How to use /approval', [
    section('*`/approval`* submits requests and lets you follow them. Reviewers decide with the buttons on the cards I send by DM.'),
    section(lines.join('\n')),
    context('Request ids are the 8 characters shown on every card, such as `3f2a9c1b`.'),
  ]);
}

export const usageHint = (subcommands: readonly SubcommandHelp[]): string =>
  `Try ${subcommands.map((s) => `\`/approval ${escapeMrkdwn(s.usage)}\``).join(', ')}.`;

export interface RequestListRow {
  readonly id: string;
  readonly title: string;
  readonly workflowKey: string;
  readonly status: SubmissionStatus;
  readonly createdAt: Date;
}

export interface RequestListPage {
  readonly rows: readonly RequestListRow[];
  /** How many requests the person has in all, and which page of `perPage` this is (from 1). */
  readonly total: number;
  readonly page: number;
  readonly perPage: number;
}

export function requestListMessage(listing: RequestListPage): SlackMessage {
  const { rows, total, page, perPage } = listing;
  if (total === 0) return message('You have no requests yet', [section('You have no requests yet. Start one with `/approval new`.')]);
  const pages = Math.ceil(total / perPage);
  if (rows.length === 0) return message('No such page', [section(`You have ${total} requests, on ${pages} page${pages === 1 ? '' : 's'}: try \`/approval list ${pages}\`.`)]);
  const lines = rows.map((r) => `${STATUS_EMOJI[r.status]} \`${shortId(r.id)}\` *${escapeMrkdwn(r.title)}* · ${STATUS_LABEL[r.status]} · ${escapeMrkdwn(r.workflowKey)} · ${slackDate(r.createdAt, '{date_short}')}`);
  const first = (page - 1) * perPage + 1;
  const last = first + rows.length - 1;
  const blocks: KnownBlock[] = [header(page === 1 ? 'Your recent requests' : `Your requests, page ${page} of ${pages}`)];
  blocks.push(...packLines(lines).map((text) => section(text)));
  const where = `Showing ${first === last ? first : `${first}–${last}`} of ${total}.`;
  const more = last < total ? ` \`/approval list ${page + 1}\` shows the next ${Math.min(perPage, total - last)} (older ones).` : '';
  blocks.push(context(`${where}${more} \`/approval status <id>\` for details, \`/approval history <id>\` for the audit trail.`));
  return message(`Your requests: ${first}–${last} of ${total}`, blocks);
}

/** The tracking card's content, for anyone allowed to see it; only the requester keeps its buttons. */
export function statusMessage(input: CardInput & { viewerId: string }): SlackMessage {
  const card = requesterCard(input);
  const mine = input.viewerId === input.submission.requesterId;
  const blocks = card.blocks.filter((b) => mine || b.type !== 'actions');
  if (!mine) {
    blocks[0] = header(`Request: ${input.submission.title}`);
    blocks.splice(1, 0, context(`Requested by ${mention(input.submission.requesterId)}`));
  }
  return message(card.text, blocks);
}

const EVENT_LABEL: Partial<Record<AuditRow['type'], string>> = {
  'submission.created': 'submitted',
  'stage.skipped': 'stage skipped',
  'stage.opened': 'stage opened',
  'decision.approved': 'approved',
  'decision.rejected': 'rejected',
  'decision.changes_requested': 'requested changes',
  'decision.delegated': 'delegated',
  'decision.retracted': 'retracted an approval',
  'decision.commented': 'commented',
  'decision.refused': 'refused',
  'stage.escalated': 'stage escalated',
  'stage.approved': 'stage approved',
  'stage.rejected': 'stage rejected',
  'stage.changes_requested': 'stage sent back',
  'stage.closed': 'stage closed',
  'submission.approved': 'request approved',
  'submission.rejected': 'request rejected',
  'submission.changes_requested': 'request sent back for changes',
  'submission.withdrawn': 'withdrawn',
  'submission.cancelled': 'cancelled',
  'notification.failed': 'notification failed',
  'webhook.failed': 'webhook failed',
};

function capacityText(capacity: Capacity | null): string {
  if (!capacity) return '';
  switch (capacity.kind) {
    case 'role': return ` as ${escapeMrkdwn(capacity.role)}`;
    case 'manager': return ' as manager';
    case 'delegate': return ` for ${mention(capacity.of)}`;
    case 'escalation': return ' on escalation';
    case 'admin': return ' as admin';
    case 'system': return ' (automatic)';
    default: return '';
  }
}

/** Who a late stage went to, as its audit event names them (" to <@a> and <@b>"). */
function escalatedTo(row: AuditRow): string {
  if (row.type !== 'stage.escalated' || !Array.isArray(row.details.targets)) return '';
  const targets = row.details.targets.filter((t): t is string => typeof t === 'string');
  return targets.length > 0 ? ` to ${mentionList(targets)}` : '';
}

function historyLine(row: AuditRow, state: SubmissionState): string {
  const stage = row.stageInstanceId ? state.stages.find((s) => s.id === row.stageInstanceId) : undefined;
  const who = row.actorId ? `${mention(row.actorId)} ` : '';
  const what = EVENT_LABEL[row.type] ?? row.type;
  const where = stage ? ` · _${escapeMrkdwn(stage.name)}_` : '';
  const extra = row.type === 'decision.delegated' && typeof row.details.delegateTo === 'string' ? ` to ${mention(row.details.delegateTo)}`
    : row.type === 'submission.created' && typeof row.details.predecessorId === 'string' ? ` as a revision of \`${shortId(row.details.predecessorId)}\``
    : escalatedTo(row);
  const reason = row.reason ? ` · “${escapeMrkdwn(truncate(row.reason, 300))}”` : '';
  return `${slackDate(row.occurredAt, '{date_short} {time}')} · ${who}${what}${extra}${capacityText(row.capacity)}${where}${reason}`;
}

/** The audit trail of one request, oldest first; when too long for one message, the latest entries win. */
export function historyMessage(input: { submission: SubmissionState; rows: readonly AuditRow[]; successorId?: string | null | undefined }): SlackMessage {
  const { submission: state } = input;
  const sections = packLines(input.rows.map((row) => historyLine(row, state)));
  const room = LIMITS.MESSAGE_BLOCKS - 4;
  const shown = sections.slice(-room);
  // The header is cut at Slack's 150 characters; the title in full is in the section under it.
  const blocks: KnownBlock[] = [header(`History: ${state.title}`), section(`*${escapeMrkdwn(state.title)}*`)];
  if (shown.length < sections.length) blocks.push(context(`Older entries left out; the full trail is in the audit API.`));
  blocks.push(...shown.map((text) => section(text)));
  const revised = input.successorId ? ` · revised as \`${shortId(input.successorId)}\`` : '';
  blocks.push(context(`${STATUS_EMOJI[state.status]} ${STATUS_LABEL[state.status]} · request \`${shortId(state.id)}\`${revised} · ${input.rows.length} audit events`));
  return message(`History of "${escapeMrkdwn(state.title)}"`, blocks);
}
