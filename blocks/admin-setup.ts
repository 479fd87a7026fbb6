import { context, section, type SlackMessage } from './cards.ts';
import { LIMITS } from './limits.ts';
import { truncate } from './text.ts';

/** How the first approval admin is made: by whoever runs the app, through APPROVAL_ADMINS. */
export const firstAdminText = (userId: string): string =>
  'Nobody is an approval admin in this workspace yet, so no workflow can be set up. Whoever runs the app makes the first one: '
  + `add a Slack member id to \`APPROVAL_ADMINS\` (yours is \`${userId}\`; several are separated by commas) and restart the app. `
  + 'That admin can then create workflows with `/approval admin` and make others admins there (Admins).';

/** The reply when `/approval` finds nobody who could configure anything. */
export function firstAdminMessage(userId: string, lead?: string): SlackMessage {
  const text = firstAdminText(userId);
  return {
    text: truncate(`${lead ? `${lead} ` : ''}${text}`, LIMITS.MESSAGE_TEXT),
    blocks: [
      ...(lead ? [section(lead)] : []),
      section(`:key: ${text}`),
      context('A member id is under a person\'s profile → ⋮ → Copy member ID.'),
    ],
  };
}
