/** Help text of `mailsync worker`. docs/worker.md has the long form. */

export const WORKER_USAGE = `Usage: mailsync worker

Runs one sync inside a Kubernetes worker pod; no options, JSON logs on stdout.
  MAILSYNC_SPEC_FILE    the spec (JSON or YAML)        default /etc/mailsync/spec.json
  MAILSYNC_SECRETS_DIR  mounted Secret keys            default /var/run/mailsync/secrets
  MAILSYNC_STATE_FILE   delta state of the last run (JSON, read-only is fine), optional
  MAILSYNC_SPEC_DIGEST  sha256:<hex> the spec file must have, else no run (set by the controller), optional
  MAILSYNC_STATE_DIGEST sha256:<hex> the state file must have, else it is not used, optional
  MAILSYNC_DEBUG=1      debug log lines
Several accounts in one process (a batch pod):
  MAILSYNC_BATCH        JSON list [{"id","specDigest"?,"stateDigest"?}]; each line then carries "account"
  MAILSYNC_BATCH_DIR    <dir>/<id>/spec.json, state.json, secrets/  default /etc/mailsync/batch
  MAILSYNC_BATCH_CONCURRENCY  accounts syncing at once              default all of them
See docs/worker.md.`;
