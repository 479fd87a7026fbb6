/**
 * The bot scopes the app asks for when it is installed (manifest.yml lists the same; its test holds them equal).
 * An install that grants fewer is refused with a page naming what is missing.
 */
export const BOT_SCOPES = ['commands', 'chat:write', 'im:history', 'im:write', 'users:read', 'usergroups:read', 'channels:history', 'groups:history', 'files:read', 'files:write'] as const;
