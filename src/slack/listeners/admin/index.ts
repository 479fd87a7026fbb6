import type { App } from '@slack/bolt';
import { ADMIN_ACTIONS, ADMIN_CALLBACKS } from '../../../../blocks/admin/ids.ts';
import type { SlackDeps } from '../../context.ts';
import { openAdmins, revokeAdminClick, openManagers, openRole, openRoles, managerSubjectPicked, submitAdmin, submitManager, submitRole } from './directory.ts';
import { openImport, openPreview, submitImport, submitPreview } from './preview-and-import.ts';
import { addField, addStage, exportDraft, itemMenu, openEditWorkflow, openNewWorkflow, publishWorkflow, saveItem } from './workflow-editor.ts';

export { adminSubcommand } from './admin-command.ts';

/** The admin surface: workflow editor (with field, stage and preview modals), import/export, roles, managers, admins. */
export function registerAdmin(app: App, deps: SlackDeps): void {
  app.action(ADMIN_ACTIONS.newWorkflow, openNewWorkflow(deps));
  app.action(ADMIN_ACTIONS.editWorkflow, openEditWorkflow(deps));
  app.action(ADMIN_ACTIONS.addField, addField(deps));
  app.action(ADMIN_ACTIONS.fieldMenu, itemMenu(deps, 'field'));
  app.action(ADMIN_ACTIONS.addStage, addStage(deps));
  app.action(ADMIN_ACTIONS.stageMenu, itemMenu(deps, 'stage'));
  app.action(ADMIN_ACTIONS.previewRouting, openPreview(deps));
  app.action(ADMIN_ACTIONS.exportDraft, exportDraft(deps));
  app.action(ADMIN_ACTIONS.importWorkflow, openImport(deps));
  app.action(ADMIN_ACTIONS.roles, openRoles(deps));
  app.action(ADMIN_ACTIONS.newRole, openRole(deps, false));
  app.action(ADMIN_ACTIONS.editRole, openRole(deps, true));
  app.action(ADMIN_ACTIONS.managers, openManagers(deps));
  app.action(ADMIN_ACTIONS.managerSubject, managerSubjectPicked(deps));
  app.action(ADMIN_ACTIONS.admins, openAdmins(deps));
  app.action(ADMIN_ACTIONS.revokeAdmin, revokeAdminClick(deps));

  app.view(ADMIN_CALLBACKS.workflow, publishWorkflow(deps));
  app.view(ADMIN_CALLBACKS.field, saveItem(deps, 'field'));
  app.view(ADMIN_CALLBACKS.stage, saveItem(deps, 'stage'));
  app.view(ADMIN_CALLBACKS.preview, submitPreview(deps));
  app.view(ADMIN_CALLBACKS.importWorkflow, submitImport(deps));
  app.view(ADMIN_CALLBACKS.role, submitRole(deps));
  app.view(ADMIN_CALLBACKS.manager, submitManager(deps));
  app.view(ADMIN_CALLBACKS.admins, submitAdmin(deps));
}
