/** REST paths: the built-in resources (src/kube/paths.ts) and the MailSync resource. */
import { GROUP, PLURAL, VERSION } from '../api/mailsync.js';
import { paths as kubePaths, segment } from '../kube/paths.js';

const base = `/apis/${GROUP}/${VERSION}`;

export const paths = {
  ...kubePaths,
  mailSyncs: (ns?: string) => (ns ? `${base}/namespaces/${segment(ns)}/${PLURAL}` : `${base}/${PLURAL}`),
  mailSync: (ns: string, name: string) => `${base}/namespaces/${segment(ns)}/${PLURAL}/${segment(name)}`,
  mailSyncStatus: (ns: string, name: string) => `${base}/namespaces/${segment(ns)}/${PLURAL}/${segment(name)}/status`,
};
