import { DomainError } from './errors.ts';
import type { SubmissionState } from './submission.ts';

/** People involved in a request: its requester and everyone asked, granted or deciding on any stage. */
export function peopleOnRequest(state: SubmissionState): Set<string> {
  const people = new Set<string>([state.requesterId]);
  for (const stage of state.stages) {
    for (const u of stage.pool) people.add(u);
    for (const g of stage.grants) people.add(g.userId);
    for (const d of stage.decisions) {
      people.add(d.actorId);
      people.add(d.principalId);
    }
  }
  return people;
}

/** A request's status and history are shown to its requester, the people on its stages, and admins; nobody else. */
export function requireCanSee(state: SubmissionState, viewerId: string, viewerIsAdmin: boolean): void {
  if (viewerIsAdmin || peopleOnRequest(state).has(viewerId)) return;
  throw new DomainError('forbidden', 'Only the requester, the people asked to review it, and approval admins can see this request.');
}
