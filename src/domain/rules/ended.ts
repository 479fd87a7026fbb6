/** What a person is told when they act on a request that has already ended. */
export const ENDED_MESSAGE: Record<string, string> = {
  approved: 'This request has already been approved.',
  rejected: 'This request has already been rejected.',
  changes_requested: 'This request was sent back for changes; the requester will resubmit it.',
  withdrawn: 'This request was withdrawn by the requester.',
  cancelled: 'This request was cancelled.',
};

