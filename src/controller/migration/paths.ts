/** REST paths of MailMigrations (the built-in resources and MailSyncs: src/controller/paths.ts). */
import { GROUP, VERSION } from '../../api/mailsync.js';
import { MIGRATION_PLURAL } from '../../api/migration.js';
import { paths as controllerPaths } from '../paths.js';

const base = `/apis/${GROUP}/${VERSION}`;

export const paths = {
  ...controllerPaths,
  secrets: (ns?: string) => (ns ? `/api/v1/namespaces/${ns}/secrets` : '/api/v1/secrets'),
  mailMigrations: (ns?: string) =>
    ns ? `${base}/namespaces/${ns}/${MIGRATION_PLURAL}` : `${base}/${MIGRATION_PLURAL}`,
  mailMigration: (ns: string, name: string) => `${base}/namespaces/${ns}/${MIGRATION_PLURAL}/${name}`,
  mailMigrationStatus: (ns: string, name: string) => `${base}/namespaces/${ns}/${MIGRATION_PLURAL}/${name}/status`,
};
