/// <reference lib="dom" />
/**
 * The only script of the console (/X/static/console.js, compiled from this
 * file): on a sync page it follows /X/sync/NAME/events (server-sent events)
 * and updates the figures, the progress bar, the summary and the log. It
 * writes text only (textContent), never HTML. Without it the page refreshes
 * itself (a <noscript> refresh). On the admin list page it follows
 * /admin/events and reloads the page when something changed, unless the
 * visitor is busy with a form (then it says an update is waiting).
 */

interface SideView {
  host: string;
  user: string;
  tls?: string;
  certificateVerified: boolean;
}

interface LiveView {
  name: string;
  phase: string;
  finished: boolean;
  percent?: number;
  done?: number;
  total?: number;
  rate?: string;
  etaSeconds?: number;
  folders?: string;
  logTail: string[];
  summary?: {
    message?: string;
    transferred?: number;
    skipped?: number;
    failed?: number;
    bytes?: number;
    seconds?: number;
  };
  error?: string;
  source: SideView;
  destination: SideView;
}

const num = (n: number | undefined) => (n === undefined ? '–' : n.toLocaleString('en'));

function eta(seconds: number | undefined): string {
  if (seconds === undefined) return '–';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

function security(side: SideView): string {
  if (side.tls === undefined) return 'not connected yet';
  if (side.tls === 'none') return 'no TLS (clear text)';
  return `TLS (${side.tls}), certificate ${side.certificateVerified ? 'verified' : 'NOT verified'}`;
}

function setText(root: Element, field: string, text: string): void {
  const el = root.querySelector(`[data-field="${field}"]`);
  if (el) el.textContent = text;
}

function summaryNode(view: LiveView): DocumentFragment {
  const s = view.summary ?? {};
  const fragment = document.createDocumentFragment();
  const h = document.createElement('h3');
  h.textContent = 'Final statistics';
  const p = document.createElement('p');
  p.textContent = s.message ?? '';
  const dl = document.createElement('dl');
  dl.className = 'figures';
  const items: [string, number | undefined][] = [
    ['Transferred', s.transferred],
    ['Skipped', s.skipped],
    ['Failed', s.failed],
    ['Bytes', s.bytes],
    ['Seconds', s.seconds],
  ];
  for (const [label, value] of items) {
    const div = document.createElement('div');
    const dt = document.createElement('dt');
    dt.textContent = label;
    const dd = document.createElement('dd');
    dd.textContent = num(value);
    div.append(dt, dd);
    dl.append(div);
  }
  fragment.append(h, p, dl);
  return fragment;
}

function render(root: HTMLElement, view: LiveView): void {
  setText(root, 'phase', view.phase);
  const bar = root.querySelector<HTMLProgressElement>('[data-field="progress"]');
  if (bar) bar.value = view.percent ?? 0;
  setText(root, 'percent', view.percent === undefined ? '–' : `${view.percent}%`);
  setText(root, 'messages', `${num(view.done)} / ${num(view.total)}`);
  setText(root, 'folders', view.folders ?? '–');
  setText(root, 'rate', view.rate ?? '–');
  setText(root, 'eta', eta(view.etaSeconds));
  setText(root, 'source-tls', security(view.source));
  setText(root, 'destination-tls', security(view.destination));
  const log = root.querySelector<HTMLElement>('[data-field="log"]');
  if (log) {
    const atBottom = log.scrollTop + log.clientHeight >= log.scrollHeight - 4;
    log.textContent = view.logTail.join('\n');
    if (atBottom) log.scrollTop = log.scrollHeight;
  }
  const summary = root.querySelector<HTMLElement>('[data-field="summary"]');
  if (summary && view.summary) {
    summary.replaceChildren(summaryNode(view));
    summary.hidden = false;
  }
  const error = root.querySelector<HTMLElement>('[data-field="error"]');
  if (error) {
    error.textContent = view.error ?? '';
    error.hidden = !view.error;
  }
  root.dataset.finished = String(view.finished);
  document.title = `Sync ${view.name}: ${view.phase}`;
}

function follow(): void {
  const root = document.getElementById('sync');
  const url = root?.dataset.events;
  if (!root || !url || root.dataset.finished === 'true') return;
  const source = new EventSource(url);
  source.addEventListener('view', (event) => {
    const view = JSON.parse((event as MessageEvent<string>).data) as LiveView;
    render(root, view);
    if (view.finished) source.close();
  });
}

/** A form field has the focus, or the upload form is open: a reload would lose what was typed. */
function busy(): boolean {
  const active = document.activeElement;
  return (
    active instanceof HTMLInputElement ||
    active instanceof HTMLTextAreaElement ||
    active instanceof HTMLSelectElement ||
    document.querySelector('details.upload[open]') !== null
  );
}

function followAdmin(): void {
  const note = document.getElementById('admin-live');
  const url = note?.dataset.events;
  if (!note || !url) return;
  const source = new EventSource(url);
  source.addEventListener('changed', () => {
    if (!busy()) {
      source.close();
      window.location.reload();
      return;
    }
    note.textContent = 'Something changed since this page was loaded: reload it to see the new state.';
  });
}

document.addEventListener('DOMContentLoaded', () => {
  follow();
  followAdmin();
});
