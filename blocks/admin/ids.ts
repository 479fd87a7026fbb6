/**
 * Ids of the Home tab, the admin modals and the delegation messages (the request and card ids live in
 * ../ids.ts). Listeners match on these, builders emit them; never a literal id anywhere else.
 */
export const HOME_IDS = {
  /** One actions block per pending item; block ids must be unique within a view. */
  pendingActions: (stageInstanceId: string): string => `home.pending.${stageInstanceId}`,
  retractActions: (stageInstanceId: string): string => `home.retract.${stageInstanceId}`,
  revokeDelegations: 'home.delegation_off',
} as const;

export const ADMIN_ACTIONS = {
  newWorkflow: 'admin.workflow_new',
  editWorkflow: 'admin.workflow_edit',
  importWorkflow: 'admin.workflow_import',
  roles: 'admin.roles',
  editRole: 'admin.role_edit',
  newRole: 'admin.role_new',
  managers: 'admin.managers',
  admins: 'admin.admins',
  revokeAdmin: 'admin.admin_revoke',
  // inside the workflow editor
  addField: 'admin.field_add',
  fieldMenu: 'admin.field_menu',
  addStage: 'admin.stage_add',
  stageMenu: 'admin.stage_menu',
  previewRouting: 'admin.preview',
  exportDraft: 'admin.export_draft',
  // manager modal: picking the person shows their current manager
  managerSubject: 'admin.manager_subject',
} as const;

/** Values of the field and stage overflow menus in the editor: `<verb>:<index>`. */
export const ITEM_VERBS = ['edit', 'up', 'remove'] as const;
export type ItemVerb = (typeof ITEM_VERBS)[number];

export const ADMIN_CALLBACKS = {
  menu: 'admin.menu',
  workflow: 'admin.workflow',
  field: 'admin.field',
  stage: 'admin.stage',
  preview: 'admin.preview',
  previewResult: 'admin.preview_result',
  importWorkflow: 'admin.import',
  exportWorkflow: 'admin.export',
  roles: 'admin.roles',
  role: 'admin.role',
  manager: 'admin.manager',
  admins: 'admin.admins',
  done: 'admin.done',
} as const;

/**
 * Input blocks of the admin modals. The block id is also the key DomainError.fieldErrors use where they
 * can (`key`, `name`, ...), so service errors become inline errors without translation.
 */
export const ADMIN_BLOCKS = {
  // workflow editor
  key: 'key',
  name: 'name',
  description: 'description',
  problems: 'problems',
  fieldsHeader: 'fields_header',
  stagesHeader: 'stages_header',
  editorActions: 'editor_actions',
  field: (index: number): string => `field_${index}`,
  stage: (index: number): string => `stage_${index}`,
  // field modal
  fieldLabel: 'field_label',
  fieldId: 'field_id',
  fieldType: 'field_type',
  fieldFlags: 'field_flags',
  fieldHint: 'field_hint',
  fieldOptions: 'field_options',
  fieldCurrency: 'field_currency',
  // stage modal
  stageName: 'stage_name',
  stageStep: 'stage_step',
  stageUsers: 'stage_users',
  stageRoles: 'stage_roles',
  stageDynamic: 'stage_dynamic',
  stageRule: 'stage_rule',
  stageMinimum: 'stage_minimum',
  stageSla: 'stage_sla',
  stageReminder: 'stage_reminder',
  stageTimeout: 'stage_timeout',
  stageEscalateTo: 'stage_escalate_to',
  conditionField: 'condition_field',
  conditionOperator: 'condition_operator',
  conditionValue: 'condition_value',
  // preview
  previewRequester: 'preview_requester',
  sample: (fieldId: string): string => `sample_${fieldId}`,
  // import
  source: 'source',
  sourceFile: 'source_file',
  // roles
  roleName: 'role_name',
  roleDescription: 'role_description',
  roleMembers: 'role_members',
  roleGroup: 'role_group',
  // managers and admins
  managerSubject: 'manager_subject',
  managerOf: (subject: string | null): string => `manager_of_${subject ?? 'nobody'}`,
  managerOfPrefix: 'manager_of_',
  adminUser: 'admin_user',
} as const;

/** The single element inside each input block; one id suffices because block ids differ. */
export const INPUT_ACTION = 'value';

/** Stage approver kinds that are not people picked by name. */
export const DYNAMIC_APPROVER = {
  manager: 'manager',
  field: (fieldId: string): string => `field:${fieldId}`,
} as const;
