/**
 * What the page shows of one console-made MailSync, computed from the object
 * alone (pure): phase, progress bar, rate, ETA, the log tail, the final
 * statistics, and per side the TLS mode used and whether the certificate
 * was verified. The same view is rendered in HTML and sent as SSE data.
 */
import type { MailSync } from '../api/mailsync.js';
import { type Phase, TERMINAL_PHASES } from '../api/status.js';

export interface SideView {
  host: string;
  user: string;
  /** implicit, starttls or none, once the worker has logged in (from its "Connected to" line). */
  tls?: string;
  /** false when the visitor asked not to verify the certificate, or without TLS. */
  certificateVerified: boolean;
}

export interface SummaryView {
  verdict?: string;
  message?: string;
  transferred?: number;
  skipped?: number;
  failed?: number;
  bytes?: number;
  seconds?: number;
}

export interface SyncView {
  name: string;
  phase: Phase | 'Aborted' | 'Unknown';
  finished: boolean;
  dryRun: boolean;
  /** 0..100, absent while the total is not known. */
  percent?: number;
  done?: number;
  total?: number;
  rate?: string;
  etaSeconds?: number;
  folders?: string;
  logTail: string[];
  summary?: SummaryView;
  error?: string;
  source: SideView;
  destination: SideView;
}

/** The controller's logTail lines start with the worker's clock, "HH:MM:SS " (controller/log-lines.ts). */
const CONNECTED = /^(?:\d{2}:\d{2}:\d{2} )?Connected to the (source|destination) \((implicit|starttls|none)\b/;

/** The TLS mode of each side from "[HH:MM:SS ]Connected to the source (implicit, ...)" lines of the log tail. */
export function tlsFromLog(lines: readonly string[]): { source?: string; destination?: string } {
  const found: { source?: string; destination?: string } = {};
  for (const line of lines) {
    const match = CONNECTED.exec(line);
    if (match) found[match[1] as 'source' | 'destination'] = match[2];
  }
  return found;
}

function sideView(ms: MailSync, side: 'source' | 'destination', tls: string | undefined): SideView {
  const endpoint = ms.spec[side];
  return {
    host: endpoint.host,
    user: endpoint.user,
    ...(tls ? { tls } : {}),
    certificateVerified: endpoint.insecureSkipVerify !== true && tls !== 'none',
  };
}

/** `previous`: the last view of the same sync, whose TLS findings outlive the 50-line log tail. */
export function syncView(ms: MailSync, previous?: SyncView): SyncView {
  const status = ms.status ?? {};
  const phase = status.phase ?? 'Pending';
  const finished = TERMINAL_PHASES.has(phase) && status.nextRetryAt === undefined;
  const logTail = status.logTail ?? [];
  const tls = { ...{ source: previous?.source.tls, destination: previous?.destination.tls }, ...tlsFromLog(logTail) };
  const p = status.progress ?? {};
  const done =
    p.messagesCopied !== undefined || p.messagesSkipped !== undefined || p.messagesFailed !== undefined
      ? (p.messagesCopied ?? 0) + (p.messagesSkipped ?? 0) + (p.messagesFailed ?? 0)
      : undefined;
  const total = p.messagesTotal;
  let percent: number | undefined;
  if (phase === 'Succeeded') percent = 100;
  else if (done !== undefined && total !== undefined && total > 0)
    percent = Math.min(100, Math.floor((done / total) * 100));
  else if (total === 0) percent = 100;
  const s = status.summary;
  return {
    name: ms.metadata.name ?? '',
    phase,
    finished,
    dryRun: ms.spec.mode === 'dryRun',
    ...(percent !== undefined ? { percent } : {}),
    ...(done !== undefined ? { done } : {}),
    ...(total !== undefined ? { total } : {}),
    ...(p.rate ? { rate: p.rate } : {}),
    ...(p.etaSeconds !== undefined && !finished ? { etaSeconds: p.etaSeconds } : {}),
    ...(p.foldersTotal !== undefined ? { folders: `${p.foldersDone ?? 0}/${p.foldersTotal}` } : {}),
    logTail,
    ...(s
      ? {
          summary: {
            verdict: s.verdict,
            message: s.message,
            transferred: s.messagesTransferred,
            skipped: s.messagesSkipped,
            failed: s.messagesFailed,
            bytes: s.bytesTransferred,
            seconds: s.durationSeconds,
          },
        }
      : {}),
    ...(status.lastError && phase !== 'Succeeded' ? { error: status.lastError.message } : {}),
    source: sideView(ms, 'source', tls.source),
    destination: sideView(ms, 'destination', tls.destination),
  };
}

/** The view of a sync whose MailSync was deleted (Abort!): its last view, marked aborted. */
export function abortedView(last: SyncView): SyncView {
  return { ...last, phase: 'Aborted', finished: true, etaSeconds: undefined };
}
