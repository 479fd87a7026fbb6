/**
 * Every action_id, callback_id and block_id our Block Kit uses, defined once. Listeners match on these,
 * builders emit them; a literal id anywhere else is a bug waiting to happen.
 */
export const ACTION_IDS = {
  // reviewer card
  approve: 'card.approve',
  reject: 'card.reject',
  requestChanges: 'card.request_changes',
  delegate: 'card.delegate',
  comment: 'card.comment',
  retract: 'card.retract',
  // requester tracking card and outcome notice
  withdraw: 'request.withdraw',
  resubmit: 'request.resubmit',
  // request modal
  workflowPicker: 'request.workflow_picker',
  title: 'request.title',
  // decision modals
  reason: 'decision.reason',
  delegateTo: 'decision.delegate_to',
} as const;
export type ActionId = (typeof ACTION_IDS)[keyof typeof ACTION_IDS];

/** A field's input element: one action id per field so the submission can be read field by field. */
export const fieldActionId = (fieldId: string): string => `field.${fieldId}`;

export const CALLBACK_IDS = {
  requestModal: 'request_modal',
  decisionModal: 'decision_modal',
  withdrawModal: 'withdraw_modal',
  /** Shown in place of a form this version of the app no longer handles; it has no submit button. */
  staleNotice: 'stale_notice',
} as const;

export const BLOCK_IDS = {
  workflowPicker: 'workflow',
  title: 'title',
  reason: 'reason',
  delegateTo: 'delegateTo',
  cardActions: 'card_actions',
  requestActions: 'request_actions',
} as const;

/**
 * A field's input block. Prefixed so a field named like one of our own blocks (`title`, `reason`) cannot
 * collide with it; DomainError.fieldErrors (keyed by field id) are mapped through this for inline errors.
 */
export const fieldBlockId = (fieldId: string): string => `field.${fieldId}`;
