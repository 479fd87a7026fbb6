/**
 * The pages a person sees in the browser while installing the app (OAuth mode): the "Add to Slack" page at
 * /slack/install, and what /slack/oauth_redirect shows when the install completed or did not. Plain HTML with
 * every value escaped; no script.
 */
const escape = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#x27;');

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;line-height:1.5;color:#1d1c1d}
a.button{display:inline-block;padding:.6rem 1.2rem;border-radius:6px;background:#4a154b;color:#fff;text-decoration:none;font-weight:600}
code{background:#f4f4f4;padding:0 .2rem}</style>
</head>
<body>
<h1>${escape(title)}</h1>
${body}
</body>
</html>`;
}

/** /slack/install: what the app does and the button that starts Slack's consent screen. */
export function installPage(authorizeUrl: string): string {
  return page('Add Approvals to Slack', `<p>Approvals routes purchase orders, contracts, refunds and access requests to the right reviewers in Slack,
with a tamper-evident audit trail. Installing it lets the bot send people their approval cards by direct message and run the
<code>/approval</code> command.</p>
<p><a class="button" href="${escape(authorizeUrl)}">Add to Slack</a></p>
<p>You become the first approval admin of the workspace you install it in.</p>`);
}

export interface InstalledWhere {
  readonly isEnterpriseInstall: boolean;
  readonly teamId: string | null;
  readonly name: string | null;
  readonly appId: string | null;
  readonly enterpriseUrl: string | null;
}

/** The install completed: where, and what to do next. */
export function successPage(where: InstalledWhere): string {
  const name = where.name ? escape(where.name) : where.isEnterpriseInstall ? 'your organization' : 'your workspace';
  if (where.isEnterpriseInstall) {
    const manage = where.enterpriseUrl && where.appId ? `${where.enterpriseUrl}manage/organization/apps/profile/${where.appId}/workspaces/add` : null;
    return page('Approvals is installed', `<p>Approvals is installed for the whole of <strong>${name}</strong>. Add it to the workspaces that should use it
${manage ? `on <a href="${escape(manage)}">the organization's app page</a>` : 'in your organization\'s app settings'}.</p>
<p>You are the first approval admin in each of them: type <code>/approval admin</code> there to set up workflows.</p>`);
  }
  const open = where.teamId && where.appId ? `slack://app?team=${encodeURIComponent(where.teamId)}&id=${encodeURIComponent(where.appId)}` : 'slack://open';
  return page('Approvals is installed', `<p>Approvals is installed in <strong>${name}</strong>, and you are its first approval admin.</p>
<p>Type <code>/approval admin</code> in Slack to set up a workflow, or <code>/approval help</code> to see what people can do.</p>
<p><a class="button" href="${escape(open)}">Open Slack</a></p>`);
}

/** Why an install did not complete, in words for the person at the browser. */
export type InstallProblem =
  | { readonly kind: 'cancelled' }
  | { readonly kind: 'expired' }
  | { readonly kind: 'wrong_workspace' }
  | { readonly kind: 'missing_scopes'; readonly missing: readonly string[] }
  | { readonly kind: 'slack_refused'; readonly code: string }
  | { readonly kind: 'unavailable' };

export function failurePage(problem: InstallProblem): { status: number; html: string } {
  const again = '<p><a class="button" href="/slack/install">Start again</a></p>';
  switch (problem.kind) {
    case 'cancelled':
      return { status: 200, html: page('Installation cancelled', `<p>You cancelled on Slack's consent screen, so nothing was installed and nothing changed.</p>${again}`) };
    case 'expired':
      return {
        status: 400,
        html: page('This install link has expired', `<p>The installation was started too long ago, or in another browser, so it could not be completed safely.
Nothing was installed.</p>${again}`),
      };
    case 'wrong_workspace':
      return {
        status: 403,
        html: page('This workspace cannot install Approvals yet', `<p>Slack only lets this app be installed in the workspace it was created in.
Ask whoever runs this deployment to turn on distribution (the app's settings, <em>Manage distribution</em>), then try again.</p>${again}`),
      };
    case 'missing_scopes':
      return {
        status: 403,
        html: page('Some permissions were not granted', `<p>Approvals needs these permissions to work, and they were not granted:
${problem.missing.map((scope) => `<code>${escape(scope)}</code>`).join(', ')}. Nothing was installed.</p>
<p>An admin of your workspace may have to approve them first.</p>${again}`),
      };
    case 'slack_refused':
      return { status: 400, html: page('Slack did not complete the installation', `<p>Slack answered <code>${escape(problem.code)}</code>, so nothing was installed.</p>${again}`) };
    case 'unavailable':
      return { status: 503, html: page('The installation could not be saved', `<p>Slack approved it, but we could not store it just now, so it is not active. Please try again in a minute.</p>${again}`) };
  }
}
