import type { KnownBlock, ModalView } from '@slack/types';
import { MAX_REASON_LENGTH } from '../src/domain/index.ts';
import { context, section } from './cards.ts';
import { mention, shortId } from './format.ts';
import { ACTION_IDS, BLOCK_IDS, CALLBACK_IDS } from './ids.ts';
import { LIMITS } from './limits.ts';
import {
  decisionModalMetadataSchema, encodeMetadata, withdrawModalMetadataSchema,
  type DecisionModalMetadata, type ModalDecisionKind,
} from './metadata.ts';
import { escapeMrkdwn, plain } from './text.ts';

const COPY: Record<ModalDecisionKind, { title: string; submit: string; label: string; hint: string }> = {
  reject: { title: 'Reject request', submit: 'Reject', label: 'Why are you rejecting it?', hint: 'The requester sees this.' },
  request_changes: { title: 'Request changes', submit: 'Send back', label: 'What should change?', hint: 'The requester sees this and can revise and resubmit.' },
  delegate: { title: 'Delegate', submit: 'Hand it on', label: 'Why are you handing it on?', hint: 'Recorded in the audit trail.' },
  comment: { title: 'Comment', submit: 'Comment', label: 'Comment', hint: 'The requester and the other reviewers of this stage see it on their cards.' },
  retract: {
    title: 'Retract approval?', submit: 'Retract', label: 'Why are you retracting your approval?',
    hint: 'Your approval stops counting and the stage waits for your say again; you can decide again from your card.',
  },
};

/** The small modal behind Reject, Request changes, Delegate and Comment: a reason, and for Delegate a person. */
export function decisionModal(input: { metadata: DecisionModalMetadata; title: string; requesterId: string; stageName: string }): ModalView {
  const copy = COPY[input.metadata.kind];
  const blocks: KnownBlock[] = [
    section(`*${escapeMrkdwn(input.title)}* from ${mention(input.requesterId)}`),
    context(`Stage *${escapeMrkdwn(input.stageName)}* · request \`${shortId(input.metadata.s)}\``),
  ];
  if (input.metadata.kind === 'delegate') {
    blocks.push({
      type: 'input',
      block_id: BLOCK_IDS.delegateTo,
      label: plain('Hand this decision to', LIMITS.INPUT_LABEL),
      element: { type: 'users_select', action_id: ACTION_IDS.delegateTo, placeholder: plain('Choose a person', LIMITS.PLACEHOLDER) },
    });
  }
  blocks.push({
    type: 'input',
    block_id: BLOCK_IDS.reason,
    label: plain(copy.label, LIMITS.INPUT_LABEL),
    hint: plain(copy.hint, LIMITS.INPUT_HINT),
    element: { type: 'plain_text_input', action_id: ACTION_IDS.reason, multiline: true, max_length: MAX_REASON_LENGTH },
  });
  return {
    type: 'modal',
    callback_id: CALLBACK_IDS.decisionModal,
    title: plain(copy.title, LIMITS.MODAL_TITLE),
    submit: plain(copy.submit, LIMITS.MODAL_BUTTON),
    close: plain('Cancel', LIMITS.MODAL_BUTTON),
    private_metadata: encodeMetadata(decisionModalMetadataSchema, input.metadata),
    blocks,
  };
}

/** The confirmation step of a withdrawal: says what will happen, takes an optional reason. */
export function withdrawModal(input: { submissionId: string; title: string; status: string }): ModalView {
  return {
    type: 'modal',
    callback_id: CALLBACK_IDS.withdrawModal,
    title: plain('Withdraw request?', LIMITS.MODAL_TITLE),
    submit: plain('Withdraw', LIMITS.MODAL_BUTTON),
    close: plain('Keep it', LIMITS.MODAL_BUTTON),
    private_metadata: encodeMetadata(withdrawModalMetadataSchema, { s: input.submissionId }),
    blocks: [
      section(`Withdraw *${escapeMrkdwn(input.title)}* (\`${shortId(input.submissionId)}\`, ${escapeMrkdwn(input.status)})? Its review stops and reviewers' cards say it was withdrawn. This cannot be undone.`),
      {
        type: 'input',
        block_id: BLOCK_IDS.reason,
        optional: true,
        label: plain('Reason (optional)', LIMITS.INPUT_LABEL),
        element: { type: 'plain_text_input', action_id: ACTION_IDS.reason, multiline: true, max_length: MAX_REASON_LENGTH },
      },
    ],
  };
}
