import type { ModalView } from '@slack/types';
import { section, type SlackMessage } from './cards.ts';
import { problemMessage } from './command-replies.ts';
import { CALLBACK_IDS } from './ids.ts';
import { LIMITS } from './limits.ts';
import { escapeMrkdwn, plain } from './text.ts';

/** What to do instead, the same wherever an old control was used. */
const INSTEAD = 'Run `/approval` or open the app\'s Home tab for what is current.';

/** A button or menu this version of the app does not handle (a message or modal from an older version). */
export function staleControlMessage(): SlackMessage {
  return problemMessage('That button is no longer supported: it comes from an older version of this app. Nothing was changed.', INSTEAD);
}

/** Replaces a submitted form this version of the app does not handle. */
export function staleFormModal(): ModalView {
  return {
    type: 'modal',
    callback_id: CALLBACK_IDS.staleNotice,
    title: plain('No longer supported', LIMITS.MODAL_TITLE),
    close: plain('Close', LIMITS.MODAL_BUTTON),
    blocks: [section(`:warning: This form comes from an older version of this app and can no longer be submitted. Nothing was changed.\n${INSTEAD}`)],
  };
}

/** A slash command pointed at this app that it does not handle (an old manifest, a renamed command). */
export function unknownCommandMessage(command: string): SlackMessage {
  return problemMessage(`This app does not handle \`${escapeMrkdwn(command)}\` (any more). Nothing was changed.`, 'Use `/approval`; `/approval help` lists what it does.');
}
