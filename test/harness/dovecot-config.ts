/**
 * dovecot.conf for one harness instance. Everything lives under the instance
 * directory (base_dir, state, log, passwd files, mail), so instances never
 * share state with each other or with a system Dovecot.
 *
 * Listeners (addresses are all loopback):
 *   127.0.0.1 implicitTlsPort  implicit TLS (also on 127.0.0.2: hostname mismatch,
 *                              and 127.0.0.4: expired certificate)
 *   127.0.0.1 starttlsPort     plaintext greeting, STARTTLS announced (also on 127.0.0.2)
 *   127.0.0.3 plainPort        plaintext, STARTTLS NOT announced (`local 127.0.0.3 { ssl = no }`:
 *                              Dovecot 2.3 can only filter settings by local IP, not by port)
 */
import type { TestCertificates } from './certs.js';
import { renderGmailNamespaces } from './gmail-shape.js';

export type Flavour = 'dot-prefixed' | 'slash';
export type SpecialUse = 'Sent' | 'Drafts' | 'Trash' | 'Junk' | 'Archive';

/** Folder names (without the namespace prefix) of the special-use folders each flavour creates. */
export const SPECIAL_USE_NAMES: Record<Flavour, Record<SpecialUse, string>> = {
  'dot-prefixed': { Sent: 'Sent', Drafts: 'Drafts', Trash: 'Trash', Junk: 'Junk', Archive: 'Archive' },
  slash: { Sent: 'Sent Items', Drafts: 'Drafts', Trash: 'Deleted Items', Junk: 'Junk Email', Archive: 'Archive' },
};

export const HOSTS = {
  main: '127.0.0.1',
  mismatch: '127.0.0.2',
  plain: '127.0.0.3',
  expired: '127.0.0.4',
} as const;

export interface ConfigParams {
  name: string;
  dir: string;
  flavour: Flavour;
  certs: TestCertificates;
  implicitTlsPort: number;
  starttlsPort: number;
  plainPort: number;
  /** Dovecot's oauth2 passdb config file, when XOAUTH2/OAUTHBEARER are enabled. */
  oauth2ConfigFile?: string;
  /** AUTH mechanisms for OAuth2, e.g. ['xoauth2'] or ['xoauth2', 'oauthbearer']. */
  oauth2Mechanisms: string[];
  /** Bytes; announces APPENDLIMIT (through the quota plugin's quota_max_mail_size). */
  appendLimit?: number;
  /** Quota plugin storage limit per user (quota_rule = *:storage=...), e.g. '200K'. */
  quotaStorage?: string;
  maxUserIpConnections: number;
  mailUser: string;
  /** false: UIDPLUS is not announced (the server still understands UID EXPUNGE; a client must not use it). */
  uidplus: boolean;
  /** Dovecot's mail_max_keyword_length (default 50): a longer keyword in STORE/APPEND is refused with NO. */
  maxKeywordLength?: number;
  /** default_vsz_limit (Dovecot's default 256M): an imap process over it dies; a million-message maildir needs more. */
  vszLimit?: string;
  /** default_process_limit (Dovecot's default 100): imap and imap-login processes, one per connection here. */
  processLimit?: number;
  /** Offer AUTH=CRAM-MD5 for the mailbox users (their passwords are stored {PLAIN}, which CRAM-MD5 needs). */
  cramMd5?: boolean;
  /** Gmail-shaped folders (gmail-shape.ts): the `[Gmail]/` hierarchy, with a virtual All Mail. Needs flavour slash. */
  gmail?: boolean;
}

/**
 * What Dovecot 2.3.19 announces after login with this config. Dovecot 2.3 can
 * only add to its capabilities (`+...`) or replace the whole list (and then
 * adds nothing itself, not even LITERAL+ or the plugins' COMPRESS=DEFLATE):
 * dropping one means listing all the others.
 */
const DOVECOT_23_CAPABILITIES =
  'IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE SORT SORT=DISPLAY THREAD=REFERENCES THREAD=REFS ' +
  'THREAD=ORDEREDSUBJECT MULTIAPPEND URL-PARTIAL CATENATE UNSELECT CHILDREN NAMESPACE UIDPLUS LIST-EXTENDED ' +
  'I18NLEVEL=1 CONDSTORE QRESYNC ESEARCH ESORT SEARCHRES WITHIN CONTEXT=SEARCH LIST-STATUS BINARY MOVE ' +
  'SNIPPET=FUZZY PREVIEW=FUZZY PREVIEW STATUS=SIZE SAVEDATE LITERAL+ NOTIFY SPECIAL-USE COMPRESS=DEFLATE';

function capabilitySetting(p: ConfigParams): string {
  const appendLimit = p.appendLimit ? `APPENDLIMIT=${p.appendLimit}` : '';
  if (!p.uidplus) {
    const base = DOVECOT_23_CAPABILITIES.split(' ').filter((atom) => atom !== 'UIDPLUS');
    return `  imap_capability = ${[...base, ...(appendLimit ? [appendLimit] : [])].join(' ')}`;
  }
  // Dovecot 2.3 enforces quota_max_mail_size (NO [LIMIT]) but does not announce it: add the capability.
  return appendLimit ? `  imap_capability = +${appendLimit}` : '';
}

export function renderDovecotConfig(p: ConfigParams): string {
  const layout =
    p.flavour === 'dot-prefixed'
      ? { location: `maildir:~/Maildir`, separator: '.', prefix: 'INBOX.' }
      : { location: `maildir:~/Maildir:LAYOUT=fs`, separator: '/', prefix: '' };
  const names = SPECIAL_USE_NAMES[p.flavour];
  // A Gmail-shaped server has its special-use folders under [Gmail]/ (gmail-shape.ts), not at the top.
  const mailboxes = p.gmail
    ? ''
    : (Object.keys(names) as SpecialUse[])
        .map((use) => `  mailbox "${names[use]}" {\n    special_use = \\${use}\n    auto = subscribe\n  }`)
        .join('\n');
  if (p.gmail && p.flavour !== 'slash') throw new Error('a Gmail-shaped Dovecot needs the slash flavour');
  const userMechanisms = ['plain', 'login', ...(p.cramMd5 ? ['cram-md5'] : [])].join(' ');
  const mechanisms = [userMechanisms, ...(p.oauth2ConfigFile ? p.oauth2Mechanisms : [])].join(' ');
  const quotaOn = p.appendLimit !== undefined || p.quotaStorage !== undefined;
  const imapPlugins = ['$mail_plugins', 'imap_zlib', ...(quotaOn ? ['imap_quota'] : [])].join(' ');
  const plugins = [...(quotaOn ? ['quota'] : []), ...(p.gmail ? ['virtual'] : [])];
  const mailPlugins = plugins.length > 0 ? `mail_plugins = $mail_plugins ${plugins.join(' ')}` : '';
  const quotaSettings = [
    'quota = count:User quota',
    'quota_vsizes = yes',
    ...(p.appendLimit ? [`quota_max_mail_size = ${p.appendLimit}`] : []),
    ...(p.quotaStorage ? [`quota_rule = *:storage=${p.quotaStorage}`] : []),
  ];
  const quota = quotaOn ? `plugin {\n${quotaSettings.map((line) => `  ${line}`).join('\n')}\n}` : '';
  const oauthPassdb = p.oauth2ConfigFile
    ? `passdb {\n  driver = oauth2\n  mechanisms = ${p.oauth2Mechanisms.join(' ')}\n  args = ${p.oauth2ConfigFile}\n}`
    : '';
  return `# Generated by test/harness/dovecot-config.ts for instance ${p.name}
instance_name = mailsync-${p.name}
base_dir = ${p.dir}/run
state_dir = ${p.dir}/state
log_path = ${p.dir}/dovecot.log
protocols = imap
listen = ${HOSTS.main}
first_valid_uid = 1
first_valid_gid = 1

ssl = yes
ssl_cert = <${p.certs.serverCertFile}
ssl_key = <${p.certs.serverKeyFile}
local ${HOSTS.plain} {
  ssl = no
}
local ${HOSTS.expired} {
  ssl_cert = <${p.certs.expiredCertFile}
  ssl_key = <${p.certs.expiredCertFile.replace(/\.pem$/, '.key')}
}

# Clear-text passwords are allowed where the client chose a plaintext port (tests of allowPlaintext).
disable_plaintext_auth = no
auth_mechanisms = ${mechanisms}
auth_master_user_separator = *
# No 2 s penalty on each failed login: the tests check wrong passwords on purpose.
auth_failure_delay = 0
login_trusted_networks = 127.0.0.0/8

passdb {
  driver = passwd-file
  master = yes
  mechanisms = plain login
  args = scheme=PLAIN ${p.dir}/master-users
  result_success = continue
}
passdb {
  driver = passwd-file
  mechanisms = ${userMechanisms}
  args = scheme=PLAIN ${p.dir}/users
}
${oauthPassdb}
userdb {
  driver = static
  args = uid=${p.mailUser} gid=${p.mailUser} home=${p.dir}/mail/%u allow_all_users=yes
}

mail_location = ${layout.location}
${p.maxKeywordLength ? `mail_max_keyword_length = ${p.maxKeywordLength}` : ''}
${p.vszLimit ? `default_vsz_limit = ${p.vszLimit}` : ''}
${p.processLimit ? `default_process_limit = ${p.processLimit}\ndefault_client_limit = ${p.processLimit * 4}` : ''}
namespace inbox {
  inbox = yes
  separator = ${layout.separator}
  prefix = ${layout.prefix}
${mailboxes}
}
${p.gmail ? renderGmailNamespaces(p.dir) : ''}
${mailPlugins}
${quota}

protocol imap {
  mail_plugins = ${imapPlugins}
  mail_max_userip_connections = ${p.maxUserIpConnections}
${capabilitySetting(p)}
}

# Disables Dovecot's per-IP auth penalty (up to 15 s per failed login; every test client is 127.0.0.1).
service anvil {
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}

service imap-login {
  inet_listener imaps {
    address = ${HOSTS.main}, ${HOSTS.mismatch}, ${HOSTS.expired}
    port = ${p.implicitTlsPort}
    ssl = yes
  }
  inet_listener imap {
    address = ${HOSTS.main}, ${HOSTS.mismatch}
    port = ${p.starttlsPort}
  }
  inet_listener plain {
    address = ${HOSTS.plain}
    port = ${p.plainPort}
  }
}
`;
}

export function renderOAuth2Config(introspectionUrl: string): string {
  return `introspection_mode = post
introspection_url = ${introspectionUrl}
username_attribute = username
active_attribute = active
active_value = true
timeout_msecs = 5000
`;
}
