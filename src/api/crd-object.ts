/**
 * The CustomResourceDefinition object around a resource's schemas, shared by
 * the MailSync (crd.ts) and MailMigration (migration-crd.ts) CRDs: one
 * namespaced version with the status subresource, the project's labels, and
 * the root schema with apiVersion/kind/metadata/spec/status. Key order is
 * fixed here, so the generated YAML under crds/ stays stable.
 */
import { GROUP, VERSION } from './mailsync.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

export interface CrdParts {
  name: string;
  names: { kind: string; listKind: string; plural: string; singular: string; shortNames: string[] };
  printerColumns: JsonObject[];
  description: string;
  /** CEL rules on the root object (e.g. on metadata.name), when any. */
  rootValidations?: JsonObject[];
  spec: Json;
  status: Json;
}

/** The CRD as a plain object (apiextensions.k8s.io/v1). */
export function crdObject(parts: CrdParts): JsonObject {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: parts.name,
      labels: {
        'app.kubernetes.io/name': 'mailsync-operator',
        'app.kubernetes.io/part-of': 'mailsync-operator',
        'app.kubernetes.io/component': 'crd',
      },
    },
    spec: {
      group: GROUP,
      names: { ...parts.names },
      scope: 'Namespaced',
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: parts.printerColumns,
          schema: {
            openAPIV3Schema: {
              type: 'object',
              description: parts.description,
              required: ['spec'],
              ...(parts.rootValidations ? { 'x-kubernetes-validations': parts.rootValidations } : {}),
              properties: {
                apiVersion: { type: 'string' },
                kind: { type: 'string' },
                metadata: { type: 'object' },
                spec: parts.spec,
                status: parts.status,
              },
            },
          },
        },
      ],
    },
  };
}
