import type { SlackMessage } from './cards.ts';
import { section } from './cards.ts';
import { mention, slackDate } from './format.ts';
import { LIMITS } from './limits.ts';
import { escapeMrkdwn, truncate } from './text.ts';

/** The `/approval delegate` syntax, shown with every mistake. */
export const DELEGATE_USAGE = '`/approval delegate @someone [from YYYY-MM-DD] until YYYY-MM-DD [workflow-key]` or `/approval delegate off`';

const message = (text: string, notification: string): SlackMessage => ({ text: truncate(notification, LIMITS.MESSAGE_TEXT), blocks: [section(text)] });

/** Confirms a new out-of-office delegation to the person going away (ephemeral). */
export function delegationCreatedMessage(input: { toUserId: string; startsAt: Date; endsAt: Date; workflowKey: string | null; now: Date }): SlackMessage {
  const scope = input.workflowKey ? `requests of \`${escapeMrkdwn(input.workflowKey)}\`` : 'all your approval requests';
  const from = input.startsAt.getTime() > input.now.getTime() ? `From ${slackDate(input.startsAt)} until` : 'Until';
  return message(
    `:palm_tree: ${from} ${slackDate(input.endsAt)}, ${mention(input.toUserId)} decides on ${scope} for you. They get your pending items when it starts. \`/approval delegate off\` ends it early.`,
    'Delegation set',
  );
}

export function delegationRevokedMessage(count: number): SlackMessage {
  return count === 0
    ? message('You have no delegation to end.', 'No delegation to end')
    : message(`:wave: Ended ${count === 1 ? 'your delegation' : `your ${count} delegations`}. New and pending requests come to you again.`, 'Delegation ended');
}

/** What was wrong with the command, and what would work. */
export function delegationProblemMessage(problem: string): SlackMessage {
  return message(`:warning: ${escapeMrkdwn(problem)}\nUsage: ${DELEGATE_USAGE}`, escapeMrkdwn(problem));
}
