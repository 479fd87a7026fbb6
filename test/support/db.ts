import { randomBytes, randomUUID } from 'node:crypto';
import { createOrm, type Orm } from '../../src/db/orm.ts';
import { createServices, type ServiceDeps, type Services } from '../../src/services/index.ts';
import { fileDatabaseUrl } from './file-database.ts';

/** This test file's own database (file-database.ts): other files running at the same time never see its rows. */
export const testDatabaseUrl = (): string => fileDatabaseUrl;

export function createTestOrm(poolSize = 10): Promise<Orm> {
  return createOrm({ databaseUrl: testDatabaseUrl(), poolSize });
}

/** Every record is scoped by workspace, so a fresh team id isolates a test's data and its audit chain. */
export const uniqueTeamId = (): string => `T${randomBytes(6).toString('hex').toUpperCase()}`;

let userCounter = 0;
/** Slack-shaped user ids that never collide between tests. */
export const uniqueUserId = (label = 'X'): string => `U${label.toUpperCase().replace(/[^A-Z0-9]/g, '')}${randomBytes(3).toString('hex').toUpperCase()}${(userCounter++).toString(36).toUpperCase()}`;

export interface TestApp {
  readonly orm: Orm;
  readonly services: Services;
  readonly deps: ServiceDeps;
  readonly teamId: string;
  readonly admin: string;
  readonly clock: { now: Date };
}

/** Services on the real test database with a movable clock and one admin. */
export async function createTestApp(options: { poolSize?: number } = {}): Promise<TestApp> {
  const orm = await createTestOrm(options.poolSize);
  const admin = uniqueUserId('ADM');
  const clock = { now: new Date() };
  const deps: ServiceDeps = { orm, clock: () => new Date(clock.now), newId: randomUUID, bootstrapAdmins: [admin] };
  return { orm, services: createServices(deps), deps, teamId: uniqueTeamId(), admin, clock };
}

export const slackOrigin = (teamId: string) => ({ origin: { kind: 'slack' as const, teamId }, traceId: randomUUID() });
