/**
 * Where the API server is and how to authenticate, without loading the whole
 * generated client (importing @kubernetes/client-node costs about 85 MB of
 * resident memory before the first object is cached).
 *
 * Order, as client-go: $KUBECONFIG (first file), else in-cluster (service
 * account token, re-read so rotated tokens are picked up), else ~/.kube/config.
 * Kubeconfig users with a CA, client certificate/key (file or data), token,
 * token file or basic auth are handled here; exec and auth-provider plugins
 * are delegated to client-node's KubeConfig, loaded only then.
 */
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface Connection {
  server: URL;
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  /** false only with insecure-skip-tls-verify. */
  rejectUnauthorized: boolean;
  servername?: string;
  /** Authorization and other headers for each request. */
  headers: Record<string, string>;
}

/** Gives the current connection settings (tokens may rotate: called again every minute). */
export interface ConnectionSource {
  connection(): Promise<Connection>;
  describe(): string;
}

const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

interface NamedCluster {
  name: string;
  cluster: Record<string, unknown>;
}
interface NamedUser {
  name: string;
  user?: Record<string, unknown>;
}
interface NamedContext {
  name: string;
  context: { cluster: string; user: string; namespace?: string };
}
interface KubeconfigFile {
  clusters?: NamedCluster[];
  users?: NamedUser[];
  contexts?: NamedContext[];
  'current-context'?: string;
}

function readMaybe(base: string, file: unknown, data: unknown): Buffer | undefined {
  if (typeof data === 'string' && data) return Buffer.from(data, 'base64');
  if (typeof file === 'string' && file) return readFileSync(path.resolve(base, file));
  return undefined;
}

export function inClusterSource(dir = SA_DIR, env = process.env): ConnectionSource {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT ?? '443';
  if (!host) throw new Error('not in a cluster: KUBERNETES_SERVICE_HOST is not set');
  const server = new URL(`https://${host.includes(':') ? `[${host}]` : host}:${port}`);
  return {
    describe: () => `in-cluster ${server.origin}`,
    connection: async () => ({
      server,
      ca: readFileSync(path.join(dir, 'ca.crt')),
      rejectUnauthorized: true,
      headers: { Authorization: `Bearer ${readFileSync(path.join(dir, 'token'), 'utf8').trim()}` },
    }),
  };
}

/** A kubeconfig file's current context. Returns undefined when it needs a plugin (exec, auth-provider). */
export async function kubeconfigSource(
  file: string,
  text = readFileSync(file, 'utf8'),
): Promise<ConnectionSource | undefined> {
  // Loaded only here: in a cluster the YAML parser is not needed.
  const { parse } = await import('yaml');
  const config = parse(text) as KubeconfigFile;
  const base = path.dirname(file);
  const contextName = config['current-context'];
  const context = config.contexts?.find((c) => c.name === contextName)?.context;
  if (!context) throw new Error(`${file}: no current context`);
  const cluster = config.clusters?.find((c) => c.name === context.cluster)?.cluster;
  if (!cluster || typeof cluster.server !== 'string') throw new Error(`${file}: cluster ${context.cluster} not found`);
  const user = config.users?.find((u) => u.name === context.user)?.user ?? {};
  if (user.exec || user['auth-provider']) return undefined;
  const server = new URL(cluster.server);
  return {
    describe: () => `kubeconfig ${file} (${contextName}, ${server.origin})`,
    connection: async () => {
      const headers: Record<string, string> = {};
      const tokenFile = user.tokenFile;
      const token =
        typeof user.token === 'string'
          ? user.token
          : typeof tokenFile === 'string'
            ? readFileSync(path.resolve(base, tokenFile), 'utf8').trim()
            : undefined;
      if (token) headers.Authorization = `Bearer ${token}`;
      else if (typeof user.username === 'string') {
        headers.Authorization = `Basic ${Buffer.from(`${user.username}:${String(user.password ?? '')}`).toString('base64')}`;
      }
      return {
        server,
        ca: readMaybe(base, cluster['certificate-authority'], cluster['certificate-authority-data']),
        cert: readMaybe(base, user['client-certificate'], user['client-certificate-data']),
        key: readMaybe(base, user['client-key'], user['client-key-data']),
        rejectUnauthorized: cluster['insecure-skip-tls-verify'] !== true,
        ...(typeof cluster['tls-server-name'] === 'string' ? { servername: cluster['tls-server-name'] } : {}),
        headers,
      };
    },
  };
}

/** Kubeconfigs with exec or auth-provider users: client-node's KubeConfig does the authentication. */
async function clientNodeSource(file: string): Promise<ConnectionSource> {
  const { KubeConfig } = await import('@kubernetes/client-node');
  const kc = new KubeConfig();
  kc.loadFromFile(file);
  return {
    describe: () => `kubeconfig ${file} (through client-node)`,
    connection: async () => {
      const cluster = kc.getCurrentCluster();
      if (!cluster) throw new Error(`${file}: no current cluster`);
      const options: {
        ca?: Buffer;
        cert?: Buffer;
        key?: Buffer;
        headers?: Record<string, string>;
        rejectUnauthorized?: boolean;
      } = {};
      await kc.applyToHTTPSOptions(options as never);
      return {
        server: new URL(cluster.server),
        ca: options.ca,
        cert: options.cert,
        key: options.key,
        rejectUnauthorized: options.rejectUnauthorized !== false,
        headers: options.headers ?? {},
      };
    },
  };
}

/** The connection the controller should use (see the order above). */
export async function loadConnectionSource(env = process.env): Promise<ConnectionSource> {
  const explicit = env.KUBECONFIG?.split(path.delimiter).find((f) => f.trim());
  const home = path.join(os.homedir(), '.kube', 'config');
  const file = explicit ?? (env.KUBERNETES_SERVICE_HOST && existsSync(path.join(SA_DIR, 'token')) ? undefined : home);
  if (!file) return inClusterSource(SA_DIR, env);
  if (!existsSync(file)) throw new Error(`no kubeconfig at ${file} and not in a cluster`);
  return (await kubeconfigSource(file)) ?? clientNodeSource(file);
}
