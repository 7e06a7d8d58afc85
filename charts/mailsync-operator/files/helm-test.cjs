// The `helm test` check (templates/tests/controller-ready.yaml runs it with `node -e` in the
// operator's image): the CRDs are established and the controller Deployment has a ready replica.
// A CRD's resource is in the API discovery document only once the CRD is established, and
// discovery is readable by every authenticated account, so the check needs no cluster-wide grant.
// Plain Node (https, the pod's ServiceAccount token and CA), retried for a minute.
// test/chart/helm-test-script.test.ts runs it against a fake API server (SERVICEACCOUNT_DIR, ATTEMPTS, RETRY_MS).
const fs = require('node:fs');
const https = require('node:https');

const { KUBERNETES_SERVICE_HOST: host, KUBERNETES_SERVICE_PORT: port, DEPLOYMENT, NAMESPACE } = process.env;
/** group/version/plural of each CRD, comma-separated */
const RESOURCES = (process.env.RESOURCES || '').split(',').filter(Boolean);
const SA = process.env.SERVICEACCOUNT_DIR || '/var/run/secrets/kubernetes.io/serviceaccount';
const ATTEMPTS = Number(process.env.ATTEMPTS || 30);
const RETRY_MS = Number(process.env.RETRY_MS || 2000);

/** The object at `path`, or undefined when the API server answers 404. */
function get(path) {
  return new Promise((resolve, reject) => {
    const headers = { Authorization: `Bearer ${fs.readFileSync(`${SA}/token`, 'utf8').trim()}` };
    https
      .get({ host, port, path, headers, ca: fs.readFileSync(`${SA}/ca.crt`), timeout: 10000 }, (res) => {
        let body = '';
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () => {
          if (res.statusCode === 200) resolve(JSON.parse(body));
          else if (res.statusCode === 404) resolve(undefined);
          else reject(new Error(`GET ${path}: HTTP ${res.statusCode}`));
        });
      })
      .on('timeout', function () {
        this.destroy(new Error(`GET ${path}: timeout`));
      })
      .on('error', reject);
  });
}

/** What is not ready yet (empty: all good). */
async function problems() {
  const found = [];
  for (const resource of RESOURCES) {
    const [group, version, plural] = resource.split('/');
    const served = await get(`/apis/${group}/${version}`);
    if (!(served?.resources ?? []).some((r) => r.name === plural)) {
      found.push(`CRD ${plural}.${group} is not established (${group}/${version} does not serve ${plural})`);
    }
  }
  const deployment = await get(`/apis/apps/v1/namespaces/${NAMESPACE}/deployments/${DEPLOYMENT}`);
  if (!deployment) return [...found, `deployment ${DEPLOYMENT} not found in namespace ${NAMESPACE}`];
  const ready = deployment.status?.readyReplicas ?? 0;
  if (ready < 1) found.push(`deployment ${DEPLOYMENT} has no ready replica (${ready}/${deployment.spec.replicas})`);
  else console.log(`deployment ${DEPLOYMENT}: ${ready}/${deployment.spec.replicas} replicas ready`);
  return found;
}

(async () => {
  let last = [];
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    try {
      last = await problems();
    } catch (error) {
      last = [error.message];
    }
    if (last.length === 0) {
      console.log(`CRDs established: ${RESOURCES.join(', ')}`);
      return;
    }
    if (attempt < ATTEMPTS) await new Promise((r) => setTimeout(r, RETRY_MS));
  }
  console.error(`not ready: ${last.join('; ')}`);
  process.exitCode = 1;
})();
