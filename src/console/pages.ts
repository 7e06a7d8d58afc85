/**
 * The console's HTML, rendered on the server with hono's `html` template:
 * every interpolated value is escaped (host names, folder patterns, log
 * lines, error messages). No inline script or style: the CSP forbids them;
 * the live view is /X/static/console.js. Without JavaScript the pages work
 * as plain forms, and a sync page refreshes itself every few seconds.
 */
import { html, raw } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import { CSRF_FIELD } from './csrf.js';
import { type FieldError, type FormSide, LIMITS, SIDE_PREFIX } from './form.js';
import type { SideView, SyncView } from './sync-view.js';

type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

export interface Notice {
  kind: 'ok' | 'error' | 'info';
  text: string;
}

export interface LoginResult {
  side: FormSide;
  ok: boolean;
  text: string;
}

export interface FormPageInput {
  csrf: string;
  /** Previous values (never passwords). */
  values: Record<string, string>;
  errors?: FieldError[];
  notices?: Notice[];
  logins?: LoginResult[];
}

function layout(title: string, body: Html, options: { refresh?: boolean } = {}): Html {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<link rel="stylesheet" href="/X/static/console.css">
${options.refresh ? raw('<noscript><meta http-equiv="refresh" content="5"></noscript>') : ''}
<script type="module" src="/X/static/console.js"></script>
</head>
<body>
<header><h1><a href="/X">Mailbox migration</a></h1></header>
<main>
${body}
</main>
<footer><p>Closing or reloading a page does not stop a sync: the cluster runs it. After the migration, change both passwords.</p></footer>
</body>
</html>`;
}

function notices(list: readonly Notice[] = []): Html {
  return html`${list.map((n) => html`<p class="notice ${n.kind}" role="${n.kind === 'error' ? 'alert' : 'status'}">${n.text}</p>`)}`;
}

function errorsFor(errors: readonly FieldError[], field: string): Html {
  const mine = errors.filter((e) => e.field === field);
  return html`${mine.map((e) => html`<span class="field-error" id="${field}-error">${e.message}</span>`)}`;
}

function sideFields(side: FormSide, values: Record<string, string>, errors: readonly FieldError[]): Html {
  const p = SIDE_PREFIX[side];
  const v = (name: string) => values[`${p}_${name}`] ?? '';
  const tls = v('tls') || 'auto';
  const invalid = (name: string) => (errors.some((e) => e.field === `${p}_${name}`) ? raw(' aria-invalid="true"') : '');
  const option = (value: string, label: string) =>
    html`<option value="${value}"${tls === value ? raw(' selected') : ''}>${label}</option>`;
  const title = side === 'source' ? 'Source (copy from)' : 'Destination (copy to)';
  return html`<fieldset class="side">
<legend>${title}</legend>
<label for="${p}_host">IMAP server</label>
<input id="${p}_host" name="${p}_host" value="${v('host')}" required maxlength="${LIMITS.host}" autocomplete="off" spellcheck="false" placeholder="imap.example.com"${invalid('host')}>
${errorsFor(errors, `${p}_host`)}
<label for="${p}_user">User</label>
<input id="${p}_user" name="${p}_user" value="${v('user')}" required maxlength="${LIMITS.user}" autocomplete="off" spellcheck="false"${invalid('user')}>
${errorsFor(errors, `${p}_user`)}
<label for="${p}_password">Password</label>
<input id="${p}_password" name="${p}_password" type="password" required maxlength="${LIMITS.password}" autocomplete="off"${invalid('password')}>
${errorsFor(errors, `${p}_password`)}
<details${v('port') || tls !== 'auto' || v('insecure') ? raw(' open') : ''}>
<summary>Port and TLS</summary>
<label for="${p}_port">Port (empty: 993, then 143)</label>
<input id="${p}_port" name="${p}_port" value="${v('port')}" inputmode="numeric" maxlength="5"${invalid('port')}>
${errorsFor(errors, `${p}_port`)}
<label for="${p}_tls">TLS</label>
<select id="${p}_tls" name="${p}_tls">
${option('auto', 'automatic (TLS on 993, else STARTTLS)')}
${option('implicit', 'TLS (SSL)')}
${option('starttls', 'STARTTLS')}
${option('none', 'none: password in clear text')}
</select>
${errorsFor(errors, `${p}_tls`)}
<label class="check"><input type="checkbox" name="${p}_insecure"${v('insecure') === 'on' ? raw(' checked') : ''}> Do not verify the server certificate</label>
</details>
</fieldset>`;
}

export function formPage(input: FormPageInput): Html {
  const errors = input.errors ?? [];
  const v = input.values;
  return layout(
    'Mailbox migration',
    html`<p>Copy every message from one IMAP mailbox to another. Both passwords travel to the cluster over HTTPS and are deleted when the sync ends; the console keeps only a keyed hash of them.</p>
${notices(input.notices)}
${errors.length > 0 ? html`<p class="notice error" role="alert">Please correct: ${errors.map((e) => e.message).join('; ')}.</p>` : ''}
${
  input.logins && input.logins.length > 0
    ? html`<ul class="logins" aria-label="Test logins">${input.logins.map(
        (l) => html`<li class="${l.ok ? 'ok' : 'error'}" data-side="${l.side}">${l.text}</li>`,
      )}</ul>`
    : ''
}
<form method="post" action="/X" class="sync-form">
<input type="hidden" name="${CSRF_FIELD}" value="${input.csrf}">
<div class="sides">
${sideFields('source', v, errors)}
${sideFields('destination', v, errors)}
</div>
<fieldset class="options">
<legend>Options</legend>
<label for="exclude">Folders to leave out (one regular expression per line)</label>
<textarea id="exclude" name="exclude" rows="2" spellcheck="false">${v.exclude ?? ''}</textarea>
${errorsFor(errors, 'exclude')}
<label class="check"><input type="checkbox" name="dryrun"${v.dryrun === 'on' ? raw(' checked') : ''}> Dry run (show what would be copied, copy nothing)</label>
</fieldset>
<div class="buttons">
<button type="submit" name="action" value="test" class="secondary">Test logins</button>
<button type="submit" name="action" value="sync">Sync!</button>
<button type="submit" name="action" value="abort" class="danger">Abort!</button>
</div>
<p class="hint">Abort! stops the running sync of these two mailboxes, from any browser, when the same accounts and passwords are given.</p>
</form>`,
  );
}

const num = (n: number | undefined) => (n === undefined ? '–' : n.toLocaleString('en'));

export function etaText(seconds: number | undefined): string {
  if (seconds === undefined) return '–';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

function sideSecurity(label: string, side: SideView): Html {
  const tls =
    side.tls === undefined ? 'not connected yet' : side.tls === 'none' ? 'no TLS (clear text)' : `TLS (${side.tls})`;
  const cert =
    side.tls === 'none' ? '' : side.certificateVerified ? ', certificate verified' : ', certificate NOT verified';
  return html`<li><strong>${label}</strong> ${side.user} on ${side.host}: <span data-field="${label.toLowerCase()}-tls">${tls}${side.tls === undefined ? '' : cert}</span></li>`;
}

export function syncSection(view: SyncView): Html {
  const s = view.summary;
  return html`<section class="sync" id="sync" data-events="/X/sync/${view.name}/events" data-finished="${String(view.finished)}" aria-live="polite">
<h2>Sync <code>${view.name}</code>${view.dryRun ? ' (dry run)' : ''}: <span data-field="phase">${view.phase}</span></h2>
<progress max="100" value="${view.percent ?? 0}" data-field="progress" aria-label="progress">${view.percent ?? 0}%</progress>
<dl class="figures">
<div><dt>Done</dt><dd data-field="percent">${view.percent === undefined ? '–' : `${view.percent}%`}</dd></div>
<div><dt>Messages</dt><dd data-field="messages">${num(view.done)} / ${num(view.total)}</dd></div>
<div><dt>Folders</dt><dd data-field="folders">${view.folders ?? '–'}</dd></div>
<div><dt>Rate</dt><dd data-field="rate">${view.rate ?? '–'}</dd></div>
<div><dt>Time left</dt><dd data-field="eta">${etaText(view.etaSeconds)}</dd></div>
</dl>
<ul class="security">${sideSecurity('Source', view.source)}${sideSecurity('Destination', view.destination)}</ul>
<div data-field="summary" class="summary"${s ? '' : raw(' hidden')}>${s ? summaryHtml(view) : ''}</div>
<p data-field="error" class="notice error"${view.error ? '' : raw(' hidden')}>${view.error ?? ''}</p>
<h3>Log</h3>
<pre class="log" data-field="log" tabindex="0" aria-label="log">${view.logTail.join('\n')}</pre>
</section>`;
}

function summaryHtml(view: SyncView): Html {
  const s = view.summary ?? {};
  return html`<h3>Final statistics</h3>
<p>${s.message ?? ''}</p>
<dl class="figures"><div><dt>Transferred</dt><dd>${num(s.transferred)}</dd></div><div><dt>Skipped</dt><dd>${num(s.skipped)}</dd></div><div><dt>Failed</dt><dd>${num(s.failed)}</dd></div><div><dt>Bytes</dt><dd>${num(s.bytes)}</dd></div><div><dt>Seconds</dt><dd>${num(s.seconds)}</dd></div></dl>`;
}

export function syncPage(view: SyncView, form: FormPageInput, notice?: Notice): Html {
  return layout(
    `Sync ${view.name}: ${view.phase}`,
    html`${notices(notice ? [notice] : [])}
<p class="notice info">This page follows the sync live; you may close it or reload it: the sync goes on, and this address shows it again. Change both passwords once the migration is over.</p>
${syncSection(view)}
<h2>Start again or abort</h2>
${formBody(form)}`,
    { refresh: !view.finished },
  );
}

/** The form without the page around it (the sync page repeats it for Abort!). */
function formBody(input: FormPageInput): Html {
  const errors = input.errors ?? [];
  return html`<form method="post" action="/X" class="sync-form">
<input type="hidden" name="${CSRF_FIELD}" value="${input.csrf}">
<div class="sides">
${sideFields('source', input.values, errors)}
${sideFields('destination', input.values, errors)}
</div>
<input type="hidden" name="exclude" value="${input.values.exclude ?? ''}">
${input.values.dryrun === 'on' ? html`<input type="hidden" name="dryrun" value="on">` : ''}
<div class="buttons">
<button type="submit" name="action" value="sync">Sync!</button>
<button type="submit" name="action" value="abort" class="danger">Abort!</button>
</div>
</form>`;
}

export function messagePage(title: string, notice: Notice): Html {
  return layout(title, html`${notices([notice])}<p><a href="/X">Back to the form</a></p>`);
}
