/**
 * Cyrus IMAP 3.6 (Debian's cyrus-imapd, unpacked by install-servers.sh) on 127.0.0.1 with real TLS.
 *
 * `master -D` runs in a sandbox (sandbox.ts); services run as the `vmail` user. Configuration is
 * Debian's /etc/imapd.conf where it matters to clients: `altnamespace: no`, `unixhierarchysep: no`
 * (separator '.', personal folders under 'INBOX.'). Users live in a sasldb (`sasl_pwcheck_method:
 * auxprop`); the admin `cyradm` creates each user's INBOX (`user.<name>`), as an administrator would.
 * Cyrus logs to syslog, which the sandbox does not keep.
 */
import { randomBytes } from 'node:crypto';
import { chmod, chown, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ImapFlow } from 'imapflow';
import { makeCertificates } from '../certs.js';
import { ensureDependencies } from '../dovecot.js';
import { freePort } from '../ports.js';
import { reapOrphans, Sandbox } from './sandbox.js';
import { folderPath, type InteropServer, Users } from './server.js';

const ADMIN = 'cyradm';

async function vmailIds(): Promise<{ uid: number; gid: number }> {
  const passwd = await readFile('/etc/passwd', 'utf8');
  const fields = passwd
    .split('\n')
    .find((l) => l.startsWith('vmail:'))
    ?.split(':');
  if (!fields) throw new Error('no vmail user (test/harness/install-deps.sh creates it)');
  return { uid: Number(fields[2]), gid: Number(fields[3]) };
}

export interface CyrusOptions {
  /** Extra imapd.conf lines, e.g. { munge8bit: 'no' }. */
  imapdConf?: Record<string, string>;
}

export async function startCyrus(tree: string, options: CyrusOptions = {}): Promise<InteropServer> {
  await ensureDependencies(); // the vmail user and openssl
  await reapOrphans();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mailsync-cyrus-'));
  await chmod(dir, 0o755);
  const certs = await makeCertificates(path.join(dir, 'certs'));
  const { uid, gid } = await vmailIds();
  for (const sub of ['conf/db', 'conf/sieve', 'spool', 'state/proc', 'state/lock', 'state/socket', 'tls']) {
    await mkdir(path.join(dir, sub), { recursive: true });
  }
  // Cyrus reads its key as the cyrus user (vmail here).
  await writeFile(path.join(dir, 'tls', 'cert.pem'), await readFile(certs.serverCertFile));
  await writeFile(path.join(dir, 'tls', 'key.pem'), await readFile(certs.serverKeyFile), { mode: 0o600 });
  await mkdir(path.join(dir, 'secrets'), { mode: 0o700 });
  for (const sub of [
    'conf',
    'conf/db',
    'conf/sieve',
    'spool',
    'state',
    'state/proc',
    'state/lock',
    'state/socket',
    'tls/key.pem',
  ]) {
    await chown(path.join(dir, sub), uid, gid);
  }
  const port = await freePort();
  const conf = path.join(dir, 'imapd.conf');
  await writeFile(
    conf,
    [
      `configdirectory: ${dir}/conf`,
      'defaultpartition: default',
      `partition-default: ${dir}/spool`,
      `proc_path: ${dir}/state/proc`,
      `mboxname_lockpath: ${dir}/state/lock`,
      `lmtpsocket: ${dir}/state/socket/lmtp`,
      `idlesocket: ${dir}/state/socket/idle`,
      `notifysocket: ${dir}/state/socket/notify`,
      `sievedir: ${dir}/conf/sieve`,
      'cyrus_user: vmail',
      `admins: ${ADMIN}`,
      // As Debian ships them (upstream's 3.x defaults are 'yes': '/' separator, no INBOX. prefix).
      'altnamespace: no',
      'unixhierarchysep: no',
      'hashimapspool: true',
      'allowplaintext: yes',
      'sasl_pwcheck_method: auxprop',
      'sasl_auxprop_plugin: sasldb',
      `sasl_sasldb_path: ${dir}/conf/sasldb2`,
      'sasl_mech_list: PLAIN LOGIN',
      `tls_server_cert: ${dir}/tls/cert.pem`,
      `tls_server_key: ${dir}/tls/key.pem`,
      'servername: localhost',
      'syslog_prefix: mailsync-cyrus',
      ...Object.entries(options.imapdConf ?? {}).map(([key, value]) => `${key}: ${value}`),
      '',
    ].join('\n'),
  );
  await writeFile(
    path.join(dir, 'cyrus.conf'),
    [
      'START {',
      `  recover cmd="/usr/lib/cyrus/bin/ctl_cyrusdb -C ${conf} -r"`,
      '}',
      'SERVICES {',
      `  imaps cmd="/usr/lib/cyrus/bin/imapd -s -C ${conf}" listen="127.0.0.1:${port}" prefork=0 maxchild=50`,
      '}',
      'EVENTS {',
      '}',
      '',
    ].join('\n'),
  );
  const sandbox = new Sandbox({
    name: 'cyrus',
    tree,
    dir,
    port,
    script: `exec /usr/lib/cyrus/bin/master -C ${conf} -M ${dir}/cyrus.conf -p ${dir}/state/master.pid -D`,
  });
  await sandbox.start();

  const users = new Users(path.join(dir, 'secrets'));
  const setPassword = async (user: string, password: string) => {
    await sandbox.exec(
      '/usr/sbin/saslpasswd2',
      ['-f', `${dir}/conf/sasldb2`, '-u', 'localhost', '-p', '-c', user],
      password,
    );
    await chown(path.join(dir, 'conf', 'sasldb2'), uid, gid);
  };
  const adminPassword = `admin-${randomBytes(9).toString('base64url')}`;
  await setPassword(ADMIN, adminPassword);
  const version = path.basename(tree).replace(/^cyrus-/, '');

  const server: InteropServer = {
    name: `Cyrus IMAP ${version}`,
    host: '127.0.0.1',
    implicitTlsPort: port,
    caFile: certs.caFile,
    caPem: certs.caPem,
    separator: '.',
    prefix: 'INBOX.',
    async addUser(user) {
      await setPassword(user, users.create(user));
      const admin = new ImapFlow({
        host: '127.0.0.1',
        port,
        secure: true,
        tls: { ca: [certs.caPem] },
        auth: { user: ADMIN, pass: adminPassword },
        logger: false,
        disableAutoIdle: true,
      });
      admin.on('error', () => {});
      await admin.connect();
      try {
        await admin.mailboxCreate(`user.${user}`);
      } finally {
        await admin.logout().catch(() => admin.close());
      }
    },
    password: (user) => users.password(user),
    endpoint: (user) => users.endpoint(server, user),
    folder: (...parts) => folderPath('INBOX.', '.', parts),
    log: () => sandbox.log(),
    async stop() {
      await sandbox.stop();
      if (!process.env.MAILSYNC_KEEP_DOVECOT) await rm(dir, { recursive: true, force: true });
    },
  };
  return server;
}
