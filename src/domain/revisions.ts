import type { FieldValue } from './fields.ts';
import type { SubmissionState } from './submission.ts';
import type { WorkflowDefinition } from './workflow.ts';

/** One answer that differs between a request and the revision that replaced it. */
export interface RevisionChange {
  /** `title`, or the field's id. */
  readonly key: string;
  readonly label: string;
  readonly before: FieldValue | undefined;
  readonly after: FieldValue | undefined;
  /** False for fields the workflow hides from reviewers. */
  readonly shownToReviewers: boolean;
}

/** What a revision changed: its title and each field of the form (by the revision's workflow version), in form order. */
export function revisionChanges(previous: SubmissionState, revision: SubmissionState, definition: WorkflowDefinition): RevisionChange[] {
  const changes: RevisionChange[] = [];
  if (previous.title !== revision.title) changes.push({ key: 'title', label: 'Title', before: previous.title, after: revision.title, shownToReviewers: true });
  for (const field of definition.fields) {
    const before = previous.fields[field.id];
    const after = revision.fields[field.id];
    if (before === after) continue;
    changes.push({ key: field.id, label: field.label, before, after, shownToReviewers: field.showToReviewers });
  }
  return changes;
}
