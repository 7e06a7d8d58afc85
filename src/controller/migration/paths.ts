/** REST paths of MailMigrations (the built-in resources and MailSyncs: src/controller/paths.ts). */
import { GROUP, VERSION } from '../../api/mailsync.js';
import { MIGRATION_PLURAL } from '../../api/migration.js';
import { segment } from '../../kube/paths.js';
import { paths as controllerPaths } from '../paths.js';

const base = `/apis/${GROUP}/${VERSION}`;

export const paths = {
  ...controllerPaths,
  // Every namespace and name is one encoded path segment (src/kube/paths.ts).
  secrets: (ns?: string) => (ns ? `/api/v1/namespaces/${segment(ns)}/secrets` : '/api/v1/secrets'),
  mailMigrations: (ns?: string) =>
    ns ? `${base}/namespaces/${segment(ns)}/${MIGRATION_PLURAL}` : `${base}/${MIGRATION_PLURAL}`,
  mailMigration: (ns: string, name: string) => `${base}/namespaces/${segment(ns)}/${MIGRATION_PLURAL}/${segment(name)}`,
  mailMigrationStatus: (ns: string, name: string) =>
    `${base}/namespaces/${segment(ns)}/${MIGRATION_PLURAL}/${segment(name)}/status`,
};
