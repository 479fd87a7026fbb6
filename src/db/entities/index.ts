import { ApiToken } from './api-token.ts';
import { AppAdmin, Role, RoleMember, UserManager } from './directory.ts';
import { Workflow, WorkflowVersion } from './workflow.ts';

export * from './api-token.ts';
export * from './directory.ts';
export * from './workflow.ts';

/**
 * The configuration tables admins edit, loaded and changed through the ORM's unit of work. Every other table
 * is read and written with SQL statements (see src/db/README.md), so it has no entity.
 */
export const ALL_ENTITIES = [Workflow, WorkflowVersion, Role, RoleMember, UserManager, AppAdmin, ApiToken];
