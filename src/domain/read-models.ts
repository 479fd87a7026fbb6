import type { Capacity, SubmissionStatus } from './submission.ts';

/*
 * What a person is waiting on and has asked for, as the Home tab and the API's queue show it. Plain data, built
 * by the home service from submissions and rendered by blocks/home.ts.
 */

/** One decision waiting for the Home tab's reader, with what a reviewer card's buttons need. */
export interface PendingItem {
  readonly submissionId: string;
  readonly stageInstanceId: string;
  readonly workflowVersion: number;
  readonly workflowName: string;
  readonly title: string;
  readonly requesterId: string;
  readonly stageName: string;
  /** 1-based position of the stage's step among the request's planned steps, and how many there are. */
  readonly stepNumber: number;
  readonly stepCount: number;
  readonly approvals: number;
  readonly required: number;
  readonly dueAt: string;
  /** Why the reader may decide (named, role, manager, delegate of someone, escalation). */
  readonly capacity: Capacity;
}

/** A request the reader made. */
export interface OwnRequest {
  readonly id: string;
  readonly title: string;
  readonly workflowKey: string;
  readonly status: SubmissionStatus;
  readonly createdAt: string;
  readonly openStageNames: readonly string[];
}

/** An out-of-office delegation the reader gave or holds. */
export interface DelegationLine {
  readonly id: string;
  /** `out`: the reader handed their say to `otherUserId`; `in`: `otherUserId` handed theirs to the reader. */
  readonly direction: 'out' | 'in';
  readonly otherUserId: string;
  readonly startsAt: string;
  readonly endsAt: string;
  readonly workflowKey: string | null;
}


/** Everything the Home tab shows one person. Admin lists carry only what the tab renders. */
export interface HomeContent {
  readonly userId: string;
  readonly pending: readonly PendingItem[];
  /** Pending items beyond those listed (the Home tab has room for a bounded number). */
  readonly morePending: number;
  /** The reader's approvals on stages still open, which they may retract. */
  readonly retractable?: readonly PendingItem[] | undefined;
  readonly requests: readonly OwnRequest[];
  readonly delegations: readonly DelegationLine[];
  readonly admin: {
    readonly workflows: readonly { readonly key: string; readonly name: string; readonly version: number; readonly active: boolean }[];
    readonly roles: readonly { readonly name: string; readonly slackUsergroupId: string | null; readonly members: readonly string[] }[];
  } | null;
}
