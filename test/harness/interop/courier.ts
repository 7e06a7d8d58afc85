/**
 * Courier IMAP 5 (Debian's courier-imap, unpacked by install-servers.sh) on 127.0.0.1 with real TLS.
 *
 * In a sandbox (sandbox.ts): `authdaemond` with the userdb module only (a plain userdb file,
 * `makeuserdb`, crypt passwords), and `couriertcpd` running `couriertls -server` (implicit TLS)
 * -> `imaplogin` -> `imapd`, as Debian's imapd-ssl init script does, with Debian's
 * /etc/courier/imapd settings. Mail is Maildir++ (separator '.', folders under 'INBOX.'), owned by
 * `vmail`. Both daemons log to stderr: `server.log()`.
 */
import { execFile } from 'node:child_process';
import { chmod, chown, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { makeCertificates } from '../certs.js';
import { ensureDependencies } from '../dovecot.js';
import { freePort } from '../ports.js';
import { reapOrphans, Sandbox } from './sandbox.js';
import { folderPath, type InteropServer, Users } from './server.js';

/** A SHA-512 crypt(3) hash, which authuserdb checks with crypt(). */
function cryptPassword(password: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile('openssl', ['passwd', '-6', '-stdin'], (err, stdout) =>
      err ? reject(err) : resolve(stdout.trim()),
    );
    child.stdin?.end(`${password}\n`);
  });
}

async function vmailIds(): Promise<{ uid: number; gid: number }> {
  const passwd = await readFile('/etc/passwd', 'utf8');
  const fields = passwd
    .split('\n')
    .find((l) => l.startsWith('vmail:'))
    ?.split(':');
  if (!fields) throw new Error('no vmail user (test/harness/install-deps.sh creates it)');
  return { uid: Number(fields[2]), gid: Number(fields[3]) };
}

export async function startCourier(tree: string): Promise<InteropServer> {
  await ensureDependencies(); // the vmail user and openssl
  await reapOrphans();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mailsync-courier-'));
  await chmod(dir, 0o755);
  const certs = await makeCertificates(path.join(dir, 'certs'));
  const { uid, gid } = await vmailIds();
  const etc = path.join(dir, 'etc', 'courier');
  await mkdir(etc, { recursive: true });
  await mkdir(path.join(dir, 'mail'), { recursive: true });
  await mkdir(path.join(dir, 'secrets'), { mode: 0o700 });
  await chown(path.join(dir, 'mail'), uid, gid);
  // couriertls wants key and certificate in one file.
  const pem = Buffer.concat([await readFile(certs.serverKeyFile), await readFile(certs.serverCertFile)]);
  await writeFile(path.join(etc, 'imapd.pem'), pem, { mode: 0o600 });
  const authdaemonrc = (await readFile(path.join(tree, 'etc/courier/authdaemonrc'), 'utf8'))
    .replace(/^authmodulelist=.*$/m, 'authmodulelist="authuserdb"')
    .replace(/^DEBUG_LOGIN=.*$/m, 'DEBUG_LOGIN=0');
  await writeFile(path.join(etc, 'authdaemonrc'), authdaemonrc, { mode: 0o660 });
  await writeFile(path.join(etc, 'userdb'), '', { mode: 0o600 });

  const port = await freePort();
  const sandbox = new Sandbox({
    name: 'courier',
    tree,
    dir,
    port,
    script: [
      'mkdir -p /run/courier/authdaemon',
      'makeuserdb',
      '/usr/lib/courier/courier-authlib/authdaemond &',
      'while [ ! -S /run/courier/authdaemon/socket ]; do sleep 0.05; done',
      'set -a',
      '. /etc/courier/imapd',
      '. /etc/courier/imapd-ssl',
      'IMAP_TLS=1',
      `TLS_CERTFILE=${etc}/imapd.pem`,
      'TLS_CACHEFILE=',
      'set +a',
      `exec couriertcpd -address=127.0.0.1 -nodnslookup -noidentlookup -maxprocs=40 -maxperip=40 ${port} ` +
        '/usr/bin/couriertls -server -tcpd /usr/lib/courier/courier/imaplogin /usr/bin/imapd Maildir',
    ].join('\n'),
  });
  await sandbox.start();

  const users = new Users(path.join(dir, 'secrets'));
  const version = path.basename(tree).replace(/^courier-/, '');
  const server: InteropServer = {
    name: `Courier IMAP ${version}`,
    host: '127.0.0.1',
    implicitTlsPort: port,
    caFile: certs.caFile,
    caPem: certs.caPem,
    separator: '.',
    prefix: 'INBOX.',
    async addUser(user) {
      const password = users.create(user);
      const home = path.join(dir, 'mail', user);
      for (const sub of ['', 'Maildir', 'Maildir/cur', 'Maildir/new', 'Maildir/tmp']) {
        await mkdir(path.join(home, sub), { recursive: true });
        await chown(path.join(home, sub), uid, gid);
      }
      const crypt = await cryptPassword(password);
      const line = `${user}\tuid=${uid}|gid=${gid}|home=${home}|mail=${home}/Maildir|systempw=${crypt}\n`;
      await sandbox.exec(
        'sh',
        ['-c', 'cat >> /etc/courier/userdb && chmod 600 /etc/courier/userdb && makeuserdb'],
        line,
      );
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
