/**
 * "Add to Slack" as a person's browser goes through it: open the app's /slack/install page (which sets the state
 * cookie), follow its Add to Slack link to Slack's consent screen (the fake answers for whoever is signed in),
 * and follow Slack's redirect back to /slack/oauth_redirect carrying the cookie.
 */
import type { BrowserSession } from './fake-slack-workspaces.ts';
import type { FakeSlack } from './fake-slack.ts';

export interface InstallOutcome {
  /** The status and page /slack/oauth_redirect answered with. */
  readonly status: number;
  readonly html: string;
}

export interface BrowserOptions {
  /** Drop the state cookie before coming back (another browser, or a forged redirect). */
  readonly withoutCookie?: boolean;
}

export async function installThroughBrowser(baseUrl: string, slack: FakeSlack, session: BrowserSession, options: BrowserOptions = {}): Promise<InstallOutcome> {
  const start = await fetch(new URL('/slack/install', baseUrl), { redirect: 'manual' });
  const page = await start.text();
  if (start.status !== 200) throw new Error(`/slack/install answered ${start.status}: ${page.slice(0, 300)}`);
  const cookie = start.headers.get('set-cookie')?.split(';')[0] ?? null;
  const link = /href="([^"]*\/oauth\/v2\/authorize[^"]*)"/.exec(page)?.[1]?.replace(/&amp;/g, '&');
  if (!link) throw new Error(`no Add to Slack link on the install page: ${page.slice(0, 300)}`);
  slack.oauth.signIn(session);
  const consent = await fetch(link, { redirect: 'manual' });
  const back = consent.headers.get('location');
  if (consent.status !== 302 || !back) throw new Error(`the consent screen answered ${consent.status}: ${await consent.text()}`);
  const done = await fetch(back, { redirect: 'manual', headers: cookie && !options.withoutCookie ? { cookie } : {} });
  return { status: done.status, html: await done.text() };
}
