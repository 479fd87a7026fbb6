import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { Ajv, type AnySchemaObject } from 'ajv';
import addFormats from 'ajv-formats';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
// CI clones the repo with shared/ beside it.
const schemaDir = resolve(repoRoot, '../shared/reference/slack-manifest-schema');
const readJson = (name: string): AnySchemaObject => JSON.parse(readFileSync(resolve(schemaDir, name), 'utf8')) as AnySchemaObject;

type Obj = Record<string, unknown>;
interface Manifest {
  features: { slash_commands: { command: string; usage_hint: string; url: string }[]; app_home: Record<string, boolean> };
  oauth_config: { scopes: { bot: string[]; user?: string[] } };
  settings: { event_subscriptions: { bot_events: string[]; request_url: string }; interactivity: { request_url: string }; socket_mode_enabled: boolean };
}

function loadValidator() {
  // Slack's schemas are draft-07. The root schema $refs the per-version files by their published URLs.
  // strictTypes/strictRequired are style lints Slack's schema does not follow; unknown keywords still fail.
  const ajv = new Ajv({ allErrors: true, strict: true, strictTypes: false, strictRequired: false });
  addFormats.default(ajv);
  ajv.addKeyword('_note'); // a comment keyword in Slack's schema
  // Slack's schema spells one pattern as a non-standard `regex` keyword (display_information.background_color).
  ajv.addKeyword({
    keyword: 'regex',
    type: 'string',
    schemaType: 'string',
    validate: (pattern: string, data: string) => new RegExp(pattern).test(data),
  });
  const base = 'https://raw.githubusercontent.com/slackapi/manifest-schema/v0.5.0/schemas/';
  ajv.addSchema(readJson('manifest.schema.1.0.0.json'), `${base}manifest.schema.1.0.0.json`);
  ajv.addSchema(readJson('manifest.schema.2.0.0.json'), `${base}manifest.schema.2.0.0.json`);
  return { ajv, validate: ajv.compile(readJson('manifest.schema.json')) };
}

const manifest = parse(readFileSync(resolve(repoRoot, 'manifest.yml'), 'utf8')) as Manifest;

describe('manifest.yml', () => {
  it("validates against Slack's official manifest JSON Schema", () => {
    const { ajv, validate } = loadValidator();
    const valid = validate(manifest);
    expect(valid, ajv.errorsText(validate.errors, { separator: '\n' })).toBe(true);
  });

  it.each([
    ['a bot user without display_name', (m: Obj) => ((m.features as Obj).bot_user = { always_online: true })],
    ['a background colour that is not hex', (m: Obj) => ((m.display_information as Obj).background_color = 'blue')],
    ['an unknown settings key', (m: Obj) => ((m.settings as Obj).socket_mode = true)],
  ])('the schema check rejects %s', (_name, breakIt) => {
    const { validate } = loadValidator();
    const broken = structuredClone(manifest) as unknown as Obj;
    breakIt(broken);
    expect(validate(broken)).toBe(false);
  });

  it('declares the /approval command with its subcommands', () => {
    expect(manifest.features.slash_commands).toHaveLength(1);
    const [command] = manifest.features.slash_commands;
    expect(command?.command).toBe('/approval');
    expect(command?.usage_hint).toBe('[new|list|status|history|withdraw|delegate|admin|help]');
  });

  it('subscribes to app_home_opened only, with Home and Messages tabs on', () => {
    expect(manifest.settings.event_subscriptions.bot_events).toEqual(['app_home_opened']);
    expect(manifest.features.app_home.home_tab_enabled).toBe(true);
    expect(manifest.features.app_home.messages_tab_enabled).toBe(true);
  });

  it('asks for exactly the scopes the app uses', () => {
    expect([...manifest.oauth_config.scopes.bot].sort()).toEqual(['channels:history', 'chat:write', 'commands', 'groups:history', 'im:history', 'im:write', 'usergroups:read', 'users:read']);
    expect(manifest.oauth_config.scopes.user).toBeUndefined();
  });

  it('points every request URL at Bolt and leaves Socket Mode off', () => {
    const url = 'https://approvals.example.com/slack/events';
    expect(manifest.features.slash_commands[0]?.url).toBe(url);
    expect(manifest.settings.event_subscriptions.request_url).toBe(url);
    expect(manifest.settings.interactivity.request_url).toBe(url);
    expect(manifest.settings.socket_mode_enabled).toBe(false);
  });
});
