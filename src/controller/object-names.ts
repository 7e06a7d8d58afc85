/**
 * Object names given on the controller's command line, checked before the controller starts: a bad
 * name would otherwise surface only as a refused Job (an invalid imagePullSecrets entry) long after
 * start, once per sync.
 */

/** A DNS-1123 subdomain (the name of a Secret and most objects): at most 253 characters. */
const DNS_1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** A DNS-1123 label (the name of a namespace, a Helm release): at most 63 characters. */
const DNS_1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export function isDnsSubdomain(name: string): boolean {
  return name.length <= 253 && DNS_1123_SUBDOMAIN.test(name);
}

export function isDnsLabel(name: string): boolean {
  return name.length <= 63 && DNS_1123_LABEL.test(name);
}

/**
 * A comma-separated list of object names (spaces around commas and empty entries ignored, duplicates
 * dropped). Throws naming the flag and every bad name.
 */
export function parseNameList(flag: string, value: string): string[] {
  const names = [...new Set(value.split(',').map((n) => n.trim()))].filter(Boolean);
  const bad = names.filter((n) => !isDnsSubdomain(n));
  if (bad.length > 0) {
    throw new Error(
      `${flag}: ${bad.map((n) => `'${n}'`).join(', ')} ${bad.length === 1 ? 'is not a valid name' : 'are not valid names'} ` +
        '(lowercase letters, digits, "-" and ".", starting and ending with a letter or digit, at most 253 characters)',
    );
  }
  return names;
}

/** `<namespace>/<name>` of a Helm release. Throws naming the flag. */
export function parseReleaseId(flag: string, value: string): string {
  const [namespace, name, ...rest] = value.split('/');
  if (rest.length > 0 || !namespace || !name || !isDnsLabel(namespace) || !isDnsSubdomain(name)) {
    throw new Error(`${flag} must be <namespace>/<release name>, e.g. mailsync/mailsync, got '${value}'`);
  }
  return value;
}
