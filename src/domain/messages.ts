/**
 * The kinds of Slack message the app posts, defined once. Cards are redrawn from a request's state (reviewer,
 * the requester's tracking card, the outcome notice, a delegate's card, the requester's notice that a late stage
 * is stuck); the others are one-off notices.
 */
export const CARD_KINDS = ['reviewer', 'requester', 'outcome', 'delegate', 'escalation_notice'] as const;
export type CardKind = (typeof CARD_KINDS)[number];

export const MESSAGE_KINDS = [...CARD_KINDS, 'reminder', 'delegation_notice', 'checkpoint'] as const;
export type MessageKind = (typeof MESSAGE_KINDS)[number];
