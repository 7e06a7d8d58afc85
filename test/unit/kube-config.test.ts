import { describe, expect, it } from 'vitest';
import { kubeconfigSource } from '../../src/kube/kube-config.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const kubeconfig = (user: string) => `
apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: {server: "https://127.0.0.1:6443", certificate-authority-data: ${b64('CA-PEM')}}
- name: other
  cluster: {server: "https://10.0.0.1", insecure-skip-tls-verify: true}
users:
- name: u
  user: ${user}
contexts:
- name: ctx
  context: {cluster: c, user: u}
current-context: ctx
`;

// The in-cluster source and token files are exercised by the Helm install e2e test (the operator in a pod).
describe('kube config loading', () => {
  it('reads the current context: server, CA, client certificate and key', async () => {
    const source = await kubeconfigSource(
      '/nonexistent/config',
      kubeconfig(`{client-certificate-data: ${b64('CERT')}, client-key-data: ${b64('KEY')}}`),
    );
    const connection = await source!.connection();
    expect(connection.server.origin).toBe('https://127.0.0.1:6443');
    expect(connection.ca?.toString()).toBe('CA-PEM');
    expect(connection.cert?.toString()).toBe('CERT');
    expect(connection.key?.toString()).toBe('KEY');
    expect(connection.rejectUnauthorized).toBe(true);
    expect(connection.headers).toEqual({});
  });

  it('sends a bearer token or basic auth', async () => {
    const token = await kubeconfigSource('/nonexistent/config', kubeconfig('{token: abc}'));
    expect((await token!.connection()).headers.Authorization).toBe('Bearer abc');
    const basic = await kubeconfigSource('/nonexistent/config', kubeconfig('{username: u, password: p}'));
    expect((await basic!.connection()).headers.Authorization).toBe(`Basic ${b64('u:p')}`);
  });

  it('leaves exec and auth-provider users to client-node', async () => {
    expect(await kubeconfigSource('/nonexistent/config', kubeconfig('{exec: {command: aws}}'))).toBeUndefined();
    expect(await kubeconfigSource('/nonexistent/config', kubeconfig('{auth-provider: {name: gcp}}'))).toBeUndefined();
  });

  it('says which part is missing', async () => {
    await expect(kubeconfigSource('/x', 'current-context: nope\ncontexts: []')).rejects.toThrow(/no current context/);
  });
});
