/**
 * Certificates for one harness run, made with the openssl command line:
 * - a test CA (`ca.pem`), trusted by tests through `caFile`;
 * - a server certificate signed by it, valid for `localhost` and 127.0.0.1
 *   (so 127.0.0.2, where the servers also listen, is a hostname mismatch);
 * - an expired server certificate for 127.0.0.4 (signed by the same CA);
 * - an unrelated CA (`other-ca.pem`): a CA bundle that does not sign the server.
 * EC P-256 keys: generating them takes milliseconds.
 */
import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TestCertificates {
  dir: string;
  /** PEM of the test CA that signs the servers' certificates. */
  caFile: string;
  caPem: string;
  /** PEM of a CA that signed nothing the servers use. */
  otherCaFile: string;
  serverCertFile: string;
  serverKeyFile: string;
  /** Valid for 127.0.0.4 only, expired since 2020. */
  expiredCertFile: string;
}

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

async function selfSignedCa(dir: string, name: string, cn: string): Promise<void> {
  await run('openssl', [
    'req',
    '-x509',
    ...EC_KEY,
    '-keyout',
    path.join(dir, `${name}.key`),
    '-out',
    path.join(dir, `${name}.pem`),
    '-days',
    '30',
    '-subj',
    `/CN=${cn}`,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
}

async function signServer(
  dir: string,
  name: string,
  san: string,
  dates: { start: string; end: string },
  caConfig: string,
): Promise<void> {
  const csr = path.join(dir, `${name}.csr`);
  await run('openssl', [
    'req',
    ...EC_KEY,
    '-keyout',
    path.join(dir, `${name}.key`),
    '-out',
    csr,
    '-subj',
    '/CN=localhost',
  ]);
  const ext = path.join(dir, `${name}.ext`);
  await writeFile(ext, `[ext]\nsubjectAltName=${san}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n`);
  await run('openssl', [
    'ca',
    '-batch',
    '-notext',
    '-config',
    caConfig,
    '-cert',
    path.join(dir, 'ca.pem'),
    '-keyfile',
    path.join(dir, 'ca.key'),
    '-in',
    csr,
    '-out',
    path.join(dir, `${name}.pem`),
    '-startdate',
    dates.start,
    '-enddate',
    dates.end,
    '-extfile',
    ext,
    '-extensions',
    'ext',
  ]);
}

/** openssl's date format: YYYYMMDDHHMMSSZ. */
function asn1Date(d: Date): string {
  return `${d.toISOString().replace(/[-:T]/g, '').slice(0, 14)}Z`;
}

export async function makeCertificates(dir: string): Promise<TestCertificates> {
  await mkdir(path.join(dir, 'db'), { recursive: true });
  await writeFile(path.join(dir, 'db', 'index.txt'), '');
  await writeFile(path.join(dir, 'db', 'serial'), '1000\n');
  const caConfig = path.join(dir, 'ca.cnf');
  await writeFile(
    caConfig,
    [
      '[ca]',
      'default_ca = testca',
      '[testca]',
      `database = ${path.join(dir, 'db', 'index.txt')}`,
      `new_certs_dir = ${path.join(dir, 'db')}`,
      `serial = ${path.join(dir, 'db', 'serial')}`,
      'default_md = sha256',
      'policy = anything',
      'unique_subject = no',
      '[anything]',
      'commonName = supplied',
      '',
    ].join('\n'),
  );
  await Promise.all([
    selfSignedCa(dir, 'ca', 'mailsync test CA'),
    selfSignedCa(dir, 'other-ca', 'mailsync unrelated CA'),
  ]);
  const now = Date.now();
  const day = 86_400_000;
  // openssl ca updates one database: sign one after the other.
  await signServer(
    dir,
    'server',
    'DNS:localhost,IP:127.0.0.1',
    { start: asn1Date(new Date(now - day)), end: asn1Date(new Date(now + 30 * day)) },
    caConfig,
  );
  await signServer(dir, 'expired', 'IP:127.0.0.4', { start: '20200101000000Z', end: '20200201000000Z' }, caConfig);
  const caFile = path.join(dir, 'ca.pem');
  return {
    dir,
    caFile,
    caPem: await readFile(caFile, 'utf8'),
    otherCaFile: path.join(dir, 'other-ca.pem'),
    serverCertFile: path.join(dir, 'server.pem'),
    serverKeyFile: path.join(dir, 'server.key'),
    expiredCertFile: path.join(dir, 'expired.pem'),
  };
}
