import {
  approvalCount, capacityOf, isActive, mayDecide, mayRetract,
  type Capacity, type DelegationLine, type Directory, type HomeContent, type OwnRequest, type PendingItem, type SubmissionState, type WorkflowDefinition,
} from '../domain/index.ts';
import type { DelegationRepository } from '../db/delegation-repository.ts';
import type { DirectoryQuery } from '../db/directory-reads.ts';
import type { HomeViewerRepository } from '../db/home-viewer-repository.ts';
import type { RoleRow } from '../db/people-repository.ts';
import type { SubmissionRepository } from '../db/submission-repository.ts';
import type { AdminCheck } from './admins.ts';
import { rolesOf } from './submission-service.ts';
import type { WorkflowSummary } from './workflow-service.ts';
import type { WorkflowVersions } from './workflow-versions.ts';

export type RoleSummary = RoleRow;

export const HOME_PENDING_LIMIT = 25;
export const HOME_REQUEST_LIMIT = 10;
export const HOME_RETRACTABLE_LIMIT = 5;
/**
 * How long after opening the Home tab a person's tab is redrawn when something changes in the background.
 * Slack keeps the tab open as long as the person leaves it there; opening it again draws it fresh anyway.
 */
export const HOME_VIEWER_WINDOW_MS = 12 * 3600 * 1000;

export interface HomeServiceDeps {
  readonly submissions: Pick<SubmissionRepository, 'openAsking' | 'byIds' | 'ownRequests'>;
  readonly delegations: Pick<DelegationRepository, 'activeTo' | 'current'>;
  readonly viewers: HomeViewerRepository;
  readonly versions: Pick<WorkflowVersions, 'manyById'>;
  readonly directory: (query: DirectoryQuery) => Promise<Directory>;
  readonly admins: Pick<AdminCheck, 'isAdmin'>;
  readonly listWorkflows: (teamId: string) => Promise<WorkflowSummary[]>;
  readonly listRoles: (teamId: string) => Promise<RoleSummary[]>;
  readonly clock: () => Date;
}

/** The Home tab's read models: what waits for a person, their own requests, their delegations, the admin part. */
export function createHomeService(deps: HomeServiceDeps) {
  /**
   * The directory each request needs, read once per workflow instead of once per request: roles of every version
   * shown, and everyone's managers and delegations. `forRequest` answers only about the viewer and that request's
   * requester, as a directory loaded for that request alone would.
   */
  async function directoriesFor(teamId: string, userId: string, now: Date, shown: readonly { state: SubmissionState; definition: WorkflowDefinition }[]) {
    const byWorkflow = new Map<string, { roles: Set<string>; people: Set<string> }>();
    for (const { state, definition } of shown) {
      const entry = byWorkflow.get(state.workflowKey) ?? { roles: new Set<string>(), people: new Set<string>([userId]) };
      for (const role of rolesOf(definition)) entry.roles.add(role);
      entry.people.add(state.requesterId);
      byWorkflow.set(state.workflowKey, entry);
    }
    const directories = new Map<string, Directory>();
    await Promise.all([...byWorkflow].map(async ([workflowKey, q]) => {
      directories.set(workflowKey, await deps.directory({ teamId, roles: [...q.roles], people: [...q.people], workflowKey, at: now }));
    }));
    return (state: SubmissionState): Directory => {
      const directory = directories.get(state.workflowKey) as Directory;
      const asked = (person: string) => person === userId || person === state.requesterId;
      return {
        roleMembers: (role) => directory.roleMembers(role),
        managerOf: (person) => (asked(person) ? directory.managerOf(person) : null),
        activeDelegationsTo: (person) => (asked(person) ? directory.activeDelegationsTo(person) : []),
        activeDelegationsFrom: (person) => (asked(person) ? directory.activeDelegationsFrom(person) : []),
        approvalAdmins: () => [],
      };
    };
  }

  /** Everything `userId` has to decide right now: own stages, grants, and the say of people who delegated to them. */
  async function pendingFor(teamId: string, userId: string, now: Date = deps.clock()): Promise<PendingItem[]> {
    return (await openFor(teamId, userId, now)).pending;
  }

  /**
   * What waits for `userId` (the same rule as the cards: src/domain/rules/eligibility.ts) and their approvals
   * on stages still open, which they may take back.
   */
  async function openFor(teamId: string, userId: string, now: Date): Promise<{ pending: PendingItem[]; retractable: PendingItem[] }> {
    const incoming = await deps.delegations.activeTo(teamId, userId, now);
    const loaded = await deps.submissions.byIds(await deps.submissions.openAsking(teamId, [userId, ...incoming.map((d) => d.fromUserId)]));
    const versions = await deps.versions.manyById(loaded.map((l) => l.workflowVersionId));
    const shown = loaded.flatMap(({ state, workflowVersionId }) => {
      const definition = versions.get(workflowVersionId)?.definition;
      return definition && isActive(state.status) ? [{ state, definition }] : [];
    });
    const directoryOf = await directoriesFor(teamId, userId, now, shown);
    const items: PendingItem[] = [];
    const retractable: PendingItem[] = [];
    for (const { state, definition } of shown) {
      const directory = directoryOf(state);
      for (const stage of state.stages) {
        if (stage.status !== 'open') continue;
        const decide = mayDecide(userId, stage, definition, state, directory);
        const retract = decide ? null : mayRetract(userId, stage, definition, state, directory) ? capacityOf(userId, stage, definition, state, directory) : null;
        const capacity: Capacity | null = decide ?? retract;
        if (!capacity) continue;
        const stepIndex = state.plan.findIndex((p) => p.step === stage.step);
        (decide ? items : retractable).push({
          submissionId: state.id,
          stageInstanceId: stage.id,
          workflowVersion: state.workflowVersion,
          workflowName: definition.name,
          title: state.title,
          requesterId: state.requesterId,
          stageName: stage.name,
          stepNumber: stepIndex + 1,
          stepCount: state.plan.length,
          approvals: approvalCount(stage),
          required: stage.required,
          dueAt: stage.dueAt,
          capacity,
        });
      }
    }
    const byDue = (a: PendingItem, b: PendingItem) => a.dueAt.localeCompare(b.dueAt);
    return { pending: items.sort(byDue), retractable: retractable.sort(byDue) };
  }

  async function requestsOf(teamId: string, userId: string): Promise<OwnRequest[]> {
    return (await deps.submissions.ownRequests(teamId, userId, HOME_REQUEST_LIMIT)).map((row) => ({
      id: row.id, title: row.title, workflowKey: row.workflowKey, status: row.status, createdAt: row.createdAt.toISOString(), openStageNames: row.openStageNames,
    }));
  }

  async function delegationsOf(teamId: string, userId: string, now: Date): Promise<DelegationLine[]> {
    return (await deps.delegations.current(teamId, userId, now)).map((d) => ({
      id: d.id,
      direction: d.fromUserId === userId ? 'out' : 'in',
      otherUserId: d.fromUserId === userId ? d.toUserId : d.fromUserId,
      startsAt: d.startsAt.toISOString(),
      endsAt: d.endsAt.toISOString(),
      workflowKey: d.workflowKey,
    }));
  }

  async function homeFor(teamId: string, userId: string, now: Date = deps.clock()): Promise<HomeContent> {
    const [{ pending, retractable }, requests, delegations, admin] = await Promise.all([
      openFor(teamId, userId, now), requestsOf(teamId, userId), delegationsOf(teamId, userId, now), deps.admins.isAdmin(teamId, userId),
    ]);
    const adminPart = admin ? { workflows: await deps.listWorkflows(teamId), roles: await deps.listRoles(teamId) } : null;
    return {
      userId, pending: pending.slice(0, HOME_PENDING_LIMIT), morePending: Math.max(0, pending.length - HOME_PENDING_LIMIT),
      retractable: retractable.slice(0, HOME_RETRACTABLE_LIMIT), requests, delegations, admin: adminPart,
    };
  }

  return {
    homeFor,
    pendingFor,
    /** Slack told us `userId` opened the Home tab: from now on (for HOME_VIEWER_WINDOW_MS) background changes redraw it. */
    markOpened: (teamId: string, userId: string): Promise<void> => deps.viewers.markOpened(teamId, userId, deps.clock()),
    /** Whether `userId` opened the Home tab recently enough that it may still be on their screen. */
    isViewing: (teamId: string, userId: string): Promise<boolean> => deps.viewers.openedSince(teamId, userId, new Date(deps.clock().getTime() - HOME_VIEWER_WINDOW_MS)),
    /** Of `userIds`, those whose Home tab may still be on their screen (see isViewing). */
    viewingAmong: (teamId: string, userIds: readonly string[]): Promise<Set<string>> =>
      deps.viewers.openedSinceAmong(teamId, userIds, new Date(deps.clock().getTime() - HOME_VIEWER_WINDOW_MS)),
  };
}
export type HomeService = ReturnType<typeof createHomeService>;
