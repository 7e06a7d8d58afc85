/** Times in status as Kubernetes writes them: RFC 3339 in UTC, whole seconds ("2026-01-01T12:00:00Z"). */
export const isoSeconds = (date: Date): string => date.toISOString().replace(/\.\d{3}Z$/, 'Z');
