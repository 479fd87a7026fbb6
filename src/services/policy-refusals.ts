import { DomainError } from '../domain/index.ts';
import type { RequestMeta } from './deps.ts';
import type { Transact } from './unit-of-work.ts';

/** What someone tried: `attempted` names the change (`workflow.publish`, `role.update`, ...), the rest its subject. */
export type Attempt = { readonly attempted: string; readonly workflowKey?: string } & Readonly<Record<string, unknown>>;

/**
 * Runs a change only approval admins may make. When it is refused because the actor is no admin, the attempt is
 * recorded (`policy.change_refused`) in a transaction of its own (the refused one rolled back) and the refusal
 * rethrown: the trail shows who tried to change policy, whichever door they came through.
 */
export function policyGuard(transact: Transact) {
  return async function guarded<T>(teamId: string, actorId: string, attempt: Attempt, meta: RequestMeta, change: () => Promise<T>): Promise<T> {
    try {
      return await change();
    } catch (error) {
      if (error instanceof DomainError && error.code === 'forbidden') {
        await transact(teamId, meta, async (_tx, uow) => {
          uow.record({ type: 'policy.change_refused', actorId, workflowKey: attempt.workflowKey ?? null, details: { ...attempt } });
        });
      }
      throw error;
    }
  };
}
