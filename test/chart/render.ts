/** `helm template` of the chart into objects, for the chart tests. */
import { type K8sObject, parseManifests } from './manifests.js';
import { helmTemplate } from './tools.js';

export const NAMESPACE = 'mailsync-system';

/** A release name of 53 characters, the longest Helm allows. */
export const LONG_RELEASE = 'a-release-name-of-fifty-three-characters-for-the-test';

export function renderChart(
  helm: string,
  args: string[] = [],
  { namespace = NAMESPACE, release = 'mailsync' }: { namespace?: string; release?: string } = {},
): K8sObject[] {
  const result = helmTemplate(helm, args, namespace, release);
  if (result.status !== 0) throw new Error(`helm template ${args.join(' ')} failed:\n${result.stderr}`);
  return parseManifests(result.stdout);
}

/** The objects of the release itself, without the `helm test` hook's. */
export const installed = (objects: K8sObject[]) => objects.filter((o) => !o.metadata.annotations?.['helm.sh/hook']);

/** The `helm test` hook's objects. */
export const testHooks = (objects: K8sObject[]) =>
  objects.filter((o) => o.metadata.annotations?.['helm.sh/hook'] === 'test');
