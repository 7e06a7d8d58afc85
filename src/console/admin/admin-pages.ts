/**
 * The admin view's HTML (hono's `html`: every value escaped). Works without
 * script: filters are a GET form, each action a small POST form with the CSRF
 * token; the style sheet is the console's. With live updates, the console's
 * script reloads the list page when a migration or sync changes. Only what the signed-in user may
 * list is on the page, and only the buttons of actions; each is checked
 * again when pressed.
 */
import { html, raw } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import type { MailSync } from '../../api/mailsync.js';
import { LABEL_MIGRATION, MIGRATION_PHASES } from '../../api/migration.js';
import type { MailMigration } from '../../api/migration-object.js';
import { PHASES } from '../../api/status.js';
import { CSRF_FIELD } from '../csrf.js';
import type { Notice } from '../pages.js';
import type { AdminFilters } from './admin-filters.js';
import type { AdminKind } from './admin-store.js';
import { atCap, type HostLoad } from './host-load.js';
import type { Identity } from './identity.js';

type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

export const UPLOAD_LIMIT_BYTES = 1024 * 1024;

function layout(title: string, body: Html, who?: { identity: Identity; csrf: string }, script = false): Html {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<link rel="stylesheet" href="/X/static/console.css">
${script ? raw('<script type="module" src="/X/static/console.js"></script>') : ''}
</head>
<body>
<header class="admin"><h1><a href="/admin">Migrations</a></h1>${
    who
      ? html`<form method="post" action="/admin/logout" class="who"><span>${who.identity.username}</span><input type="hidden" name="${CSRF_FIELD}" value="${who.csrf}"><button type="submit" class="secondary">Sign out</button></form>`
      : ''
  }</header>
<main class="wide">
${body}
</main>
</body>
</html>`;
}

function notices(list: readonly Notice[] = []): Html {
  return html`${list.map((n) => html`<p class="notice ${n.kind}" role="${n.kind === 'error' ? 'alert' : 'status'}">${n.text}</p>`)}`;
}

export function loginPage(csrf: string, notice?: Notice): Html {
  return layout(
    'Sign in: migrations',
    html`<h2>Sign in</h2>
${notices(notice ? [notice] : [])}
<form method="post" action="/admin/login" class="narrow">
<input type="hidden" name="${CSRF_FIELD}" value="${csrf}">
<label for="token">Kubernetes token</label>
<input id="token" name="token" type="password" required autocomplete="off" maxlength="8192">
<p class="hint">A bearer token of your own (for example <code>kubectl create token NAME</code>). You see and do only what your RBAC allows: every list and action is checked with a SubjectAccessReview.</p>
<div class="buttons"><button type="submit">Sign in</button></div>
</form>`,
  );
}

export function forbiddenPage(message: string, who?: { identity: Identity; csrf: string }): Html {
  return layout(
    'Forbidden',
    html`<h2>Forbidden (403)</h2>${notices([{ kind: 'error', text: message }])}<p><a href="/admin">Back to the migrations</a></p>`,
    who,
  );
}

export function adminMessagePage(title: string, notice: Notice, who?: { identity: Identity; csrf: string }): Html {
  return layout(
    title,
    html`<h2>${title}</h2>${notices([notice])}<p><a href="/admin">Back to the migrations</a></p>`,
    who,
  );
}

export interface AdminPageInput {
  identity: Identity;
  csrf: string;
  namespaces: readonly string[];
  filters: AdminFilters;
  migrations: MailMigration[];
  syncs: MailSync[];
  loads: HostLoad[];
  notices: Notice[];
  /** Namespaces where the user may create migrations (the upload form lists them). */
  uploadNamespaces: readonly string[];
  /**
   * Live updates (GET /admin/events): the script reloads the page when something changes. The version
   * of the changes the page was rendered at (AdminChanges.version); without it, no live updates.
   */
  liveVersion?: string;
}

function actionForm(
  csrf: string,
  kind: AdminKind,
  ns: string,
  name: string,
  action: string,
  label: string,
  danger = false,
): Html {
  return html`<form method="post" action="/admin/action" class="inline"><input type="hidden" name="${CSRF_FIELD}" value="${csrf}"><input type="hidden" name="kind" value="${kind}"><input type="hidden" name="namespace" value="${ns}"><input type="hidden" name="name" value="${name}"><input type="hidden" name="action" value="${action}"><button type="submit" class="${danger ? 'danger small' : 'secondary small'}" aria-label="${label} ${ns}/${name}">${label}</button></form>`;
}

function actions(csrf: string, kind: AdminKind, ns: string, name: string, suspended: boolean): Html {
  return html`<div class="actions">${actionForm(csrf, kind, ns, name, 'run-now', 'Run now')}${
    suspended
      ? actionForm(csrf, kind, ns, name, 'resume', 'Resume')
      : actionForm(csrf, kind, ns, name, 'suspend', 'Suspend')
  }${actionForm(csrf, kind, ns, name, 'abort', 'Abort', true)}</div>`;
}

function select(name: string, label: string, options: readonly string[], value: string | undefined): Html {
  return html`<div><label for="f-${name}">${label}</label><select id="f-${name}" name="${name}"><option value="">any</option>${options.map(
    (o) => html`<option value="${o}"${o === value ? raw(' selected') : ''}>${o}</option>`,
  )}</select></div>`;
}

function filterForm(input: AdminPageInput): Html {
  const f = input.filters;
  const phases = [...new Set([...MIGRATION_PHASES, ...PHASES])];
  return html`<form method="get" action="/admin" class="filters" role="search" aria-label="Filters">
${input.namespaces.length > 1 ? select('namespace', 'Namespace', input.namespaces, f.namespace) : ''}
${select('phase', 'Phase', phases, f.phase)}
<div><label for="f-host">Host</label><input id="f-host" name="host" value="${f.host ?? ''}" maxlength="253"></div>
<div><label for="f-migration">Migration</label><input id="f-migration" name="migration" value="${f.migration ?? ''}" maxlength="253"></div>
<div class="buttons"><button type="submit">Filter</button><a href="/admin">Clear</a></div>
</form>`;
}

function migrationRows(input: AdminPageInput): Html {
  if (input.migrations.length === 0) return html`<p>No migration matches.</p>`;
  return html`<table class="admin-table" id="migrations"><caption>Migrations</caption>
<thead><tr><th scope="col">Namespace/name</th><th scope="col">Phase</th><th scope="col">Accounts done</th><th scope="col">Failed</th><th scope="col">Pass</th><th scope="col">Failures</th><th scope="col">Actions</th></tr></thead>
<tbody>${input.migrations.map((mm) => {
    const ns = mm.metadata.namespace ?? '';
    const name = mm.metadata.name ?? '';
    const s = mm.status;
    const reasons = (s?.failureReasons ?? []).map((r) => `${r.reason} ×${r.count}`).join(', ');
    const invalid = s?.accounts?.invalid ? `${s.accounts.invalid} invalid row(s)` : '';
    return html`<tr data-migration="${ns}/${name}">
<th scope="row">${ns}/${name}</th>
<td data-field="phase">${s?.phase ?? 'Pending'}</td>
<td>${s?.accounts?.display ?? '0/0'}${s?.pass?.eta ? ` (ETA ${s.pass.eta})` : ''}</td>
<td>${s?.accounts?.failed ?? 0}</td>
<td>${s?.pass ? `${s.pass.id}${s.pass.rate ? `, ${s.pass.rate}` : ''}` : ''}</td>
<td>${[reasons, invalid].filter(Boolean).join('; ')}</td>
<td><a href="/admin/report/${ns}/${name}.csv" download>Report (CSV)</a>${actions(input.csrf, 'mailmigrations', ns, name, mm.spec.suspend === true)}</td>
</tr>`;
  })}</tbody></table>`;
}

function percent(ms: MailSync): string {
  const p = ms.status?.progress;
  if (!p?.messagesTotal) return '';
  return `${Math.min(100, Math.floor((100 * (p.messagesCopied ?? 0)) / p.messagesTotal))}%`;
}

function syncRows(input: AdminPageInput): Html {
  if (input.syncs.length === 0) return html`<p>No sync matches.</p>`;
  return html`<table class="admin-table" id="syncs"><caption>Syncs</caption>
<thead><tr><th scope="col">Namespace/name</th><th scope="col">Source → destination</th><th scope="col">Phase</th><th scope="col">Progress</th><th scope="col">Last error</th><th scope="col">Actions</th></tr></thead>
<tbody>${input.syncs.map((ms) => {
    const ns = ms.metadata.namespace ?? '';
    const name = ms.metadata.name ?? '';
    const migration = ms.metadata.labels?.[LABEL_MIGRATION];
    const error = ms.status?.lastError;
    return html`<tr data-sync="${ns}/${name}">
<th scope="row">${ns}/${name}</th>
<td>${ms.spec.source.user}@${ms.spec.source.host} → ${ms.spec.destination.user}@${ms.spec.destination.host}</td>
<td>${ms.status?.phase ?? 'Pending'}</td>
<td>${percent(ms)}</td>
<td>${error ? `${error.reason}: ${(error.message ?? '').split('\n')[0]?.slice(0, 160)}` : ''}</td>
<td>${migration ? html`<span class="hint">managed by migration ${migration}</span>` : actions(input.csrf, 'mailsyncs', ns, name, ms.spec.suspend === true)}</td>
</tr>`;
  })}</tbody></table>`;
}

function loadRows(loads: readonly HostLoad[]): Html {
  if (loads.length === 0) return html`<p>No sync is running.</p>`;
  return html`<table class="admin-table" id="hosts"><caption>Running syncs per host</caption>
<thead><tr><th scope="col">Host</th><th scope="col">Role</th><th scope="col">Running</th><th scope="col">Cap (all syncs)</th><th scope="col">Per migration</th></tr></thead>
<tbody>${loads.map(
    (l) =>
      html`<tr class="${atCap(l) ? 'at-cap' : ''}"><th scope="row">${l.host}</th><td>${l.role}</td><td>${l.running}</td><td>${l.cap ?? 'none'}</td><td>${l.migrations
        .map(
          (m) =>
            `${m.migration}: ${m.running}${m.limit !== undefined ? ` / ${m.limit}${m.limitFrom === 'auto' ? ' (auto)' : ''}` : ''}`,
        )
        .join(', ')}</td></tr>`,
  )}</tbody></table>`;
}

function uploadForm(input: AdminPageInput): Html {
  if (input.uploadNamespaces.length === 0) return html``;
  return html`<details class="upload"><summary>New migration from an account file</summary>
<form method="post" action="/admin/upload" enctype="multipart/form-data">
<input type="hidden" name="${CSRF_FIELD}" value="${input.csrf}">
<label for="u-file">Account file: imapsync's file.txt or a CSV (at most ${UPLOAD_LIMIT_BYTES / 1024} KiB)</label>
<input id="u-file" name="file" type="file" required accept=".txt,.csv,text/plain,text/csv">
<label for="u-namespace">Namespace</label>
<select id="u-namespace" name="namespace">${input.uploadNamespaces.map((n) => html`<option value="${n}">${n}</option>`)}</select>
<label for="u-name">Name (default: from the file name)</label>
<input id="u-name" name="name" maxlength="63" pattern="[a-z0-9]([a-z0-9\\-]*[a-z0-9])?">
<label for="u-template">Template: the MailSync spec fields shared by every account, or a MailMigration (YAML, optional)</label>
<textarea id="u-template" name="template" rows="4" maxlength="16384" spellcheck="false"></textarea>
<p class="hint">The file's passwords go into a Secret owned by the new MailMigration; they are never shown or logged.</p>
<div class="buttons"><button type="submit">Create the migration</button></div>
</form></details>`;
}

export function adminPage(input: AdminPageInput): Html {
  return layout(
    'Migrations',
    html`${notices(input.notices)}
${
  input.liveVersion !== undefined
    ? html`<p class="hint" id="admin-live" data-events="/admin/events?since=${encodeURIComponent(input.liveVersion)}" role="status">Live: this page reloads itself when a migration or sync changes (not while you type in a form).</p>`
    : ''
}
${filterForm(input)}
${migrationRows(input)}
${syncRows(input)}
${loadRows(input.loads)}
${uploadForm(input)}`,
    { identity: input.identity, csrf: input.csrf },
    input.liveVersion !== undefined,
  );
}
