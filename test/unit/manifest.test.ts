import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { Ajv, type AnySchemaObject } from 'ajv';
import { BOT_SCOPES } from '../../src/slack/scopes.ts';
import addFormats from 'ajv-formats';
import { REQUIRED_SCOPE } from '../support/fake-slack.ts';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
// Slack's manifest schema is not part of this repository: CI clones it with shared/ beside it. Without
// that folder (a fresh clone on its own) the schema validation is skipped, and says so once.
const schemaDir = resolve(repoRoot, '../shared/reference/slack-manifest-schema');
const haveSchema = existsSync(resolve(schemaDir, 'manifest.schema.json'));
if (!haveSchema) console.log(`Slack manifest schema check skipped: ${schemaDir} not found (it sits beside the repository on CI).`);
const readJson = (name: string): AnySchemaObject => JSON.parse(readFileSync(resolve(schemaDir, name), 'utf8')) as AnySchemaObject;

type Obj = Record<string, unknown>;
interface Manifest {
  features: { slash_commands: { command: string; usage_hint: string; url?: string }[]; app_home: Record<string, boolean> };
  oauth_config: { redirect_urls?: string[]; scopes: { bot: string[]; user?: string[] } };
  settings: { event_subscriptions: { bot_events: string[]; request_url?: string }; interactivity: { is_enabled: boolean; request_url?: string }; socket_mode_enabled: boolean; org_deploy_enabled?: boolean };
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

const read = (name: string) => parse(readFileSync(resolve(repoRoot, name), 'utf8')) as Manifest;
const manifest = read('manifest.yml');
const socketManifest = read('manifest.socket-mode.yml');

/** Every Web API method the code calls as `client.<family>.<method>(`, from src/ and blocks/. */
function webApiMethodsCalled(): Set<string> {
  const methods = new Set<string>();
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = resolve(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith('.ts')) {
        for (const m of readFileSync(path, 'utf8').matchAll(/\.(chat|views|users|usergroups|conversations|reactions|team|files|pins|bookmarks|reminders)\.([a-zA-Z]+(?:\.[a-zA-Z]+)?)\(/g)) methods.add(`${m[1]}.${m[2]}`);
      }
    }
  };
  for (const dir of ['src', 'blocks']) walk(resolve(repoRoot, dir));
  return methods;
}

describe.skipIf(!haveSchema)("Slack's manifest JSON Schema", () => {
  it.each([['manifest.yml', manifest], ['manifest.socket-mode.yml', socketManifest]])('%s validates against it', (_name, m) => {
    const { ajv, validate } = loadValidator();
    const valid = validate(m);
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
});

describe('manifest.yml', () => {
  it('declares the /approval command with its subcommands', () => {
    expect(manifest.features.slash_commands).toHaveLength(1);
    const [command] = manifest.features.slash_commands;
    expect(command?.command).toBe('/approval');
    expect(command?.usage_hint).toBe('[new|list|status|history|withdraw|delegate|admin|help]');
  });

  it('subscribes to app_home_opened and the installation lifecycle, with Home and Messages tabs on', () => {
    expect(manifest.settings.event_subscriptions.bot_events).toEqual(['app_home_opened', 'app_uninstalled', 'tokens_revoked']);
    expect(manifest.features.app_home.home_tab_enabled).toBe(true);
    expect(manifest.features.app_home.messages_tab_enabled).toBe(true);
  });

  it('asks for exactly the scopes of the Web API methods the code calls, and commands, the same the install flow asks for', () => {
    const called = webApiMethodsCalled();
    expect(called.size).toBeGreaterThan(5);
    const unknown = [...called].filter((method) => !(method in REQUIRED_SCOPE) && !method.startsWith('views.'));
    expect(unknown, 'methods whose scope the fake Slack does not know').toEqual([]);
    // A method whose scope depends on the conversation (history: witness channels, public or private, and the bot's DMs) needs each.
    const needed = new Set(['commands', ...[...called].flatMap((method) => REQUIRED_SCOPE[method] ?? [])]);
    expect([...manifest.oauth_config.scopes.bot].sort()).toEqual([...needed].sort());
    expect([...manifest.oauth_config.scopes.bot].sort()).toEqual([...BOT_SCOPES].sort());
    expect(manifest.oauth_config.scopes.user).toBeUndefined();
  });

  it('declares the OAuth redirect URL and org-wide deployment for Enterprise Grid', () => {
    expect(manifest.oauth_config.redirect_urls).toEqual(['https://approvals.example.com/slack/oauth_redirect']);
    expect(manifest.settings.org_deploy_enabled).toBe(true);
  });

  it('points every request URL at Bolt and leaves Socket Mode off', () => {
    const url = 'https://approvals.example.com/slack/events';
    expect(manifest.features.slash_commands[0]?.url).toBe(url);
    expect(manifest.settings.event_subscriptions.request_url).toBe(url);
    expect(manifest.settings.interactivity.request_url).toBe(url);
    expect(manifest.settings.socket_mode_enabled).toBe(false);
  });
});

describe('manifest.socket-mode.yml', () => {
  it('is manifest.yml with Socket Mode on, no request URLs, and none of the OAuth install parts (Socket Mode serves one workspace)', () => {
    const withoutUrls = structuredClone(manifest) as Manifest;
    for (const command of withoutUrls.features.slash_commands) delete command.url;
    delete withoutUrls.settings.event_subscriptions.request_url;
    delete withoutUrls.settings.interactivity.request_url;
    withoutUrls.settings.socket_mode_enabled = true;
    delete withoutUrls.oauth_config.redirect_urls;
    withoutUrls.settings.event_subscriptions.bot_events = withoutUrls.settings.event_subscriptions.bot_events.filter((event) => !['app_uninstalled', 'tokens_revoked'].includes(event));
    withoutUrls.settings.org_deploy_enabled = false;
    expect(socketManifest).toEqual(withoutUrls);
  });
});
