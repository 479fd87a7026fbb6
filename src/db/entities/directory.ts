import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

export const Role = defineEntity({
  name: 'Role',
  tableName: 'role',
  properties: {
    teamId: p.string().primary(),
    name: p.string().primary(),
    description: p.text().default(''),
    slackUsergroupId: p.string().nullable(),
  },
});
export type Role = InferEntity<typeof Role>;

export const RoleMember = defineEntity({
  name: 'RoleMember',
  tableName: 'role_member',
  properties: {
    teamId: p.string().primary(),
    roleName: p.string().primary(),
    userId: p.string().primary(),
  },
});
export type RoleMember = InferEntity<typeof RoleMember>;

export const UserManager = defineEntity({
  name: 'UserManager',
  tableName: 'user_manager',
  properties: {
    teamId: p.string().primary(),
    userId: p.string().primary(),
    managerId: p.string(),
  },
});
export type UserManager = InferEntity<typeof UserManager>;

export const AppAdmin = defineEntity({
  name: 'AppAdmin',
  tableName: 'app_admin',
  properties: {
    teamId: p.string().primary(),
    userId: p.string().primary(),
    grantedBy: p.string(),
    grantedAt: p.datetime().onCreate(() => new Date()),
  },
});
export type AppAdmin = InferEntity<typeof AppAdmin>;
