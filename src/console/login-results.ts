/**
 * "Test logins": both sides at once, with the engine's own connect and login
 * code (src/sync/login-check.ts), and the answer the page shows per side.
 * The password reaches the engine through an in-memory environment only.
 */
import type { Endpoint } from '../api/spec.js';
import { errorHeadline } from '../sync/errors.js';
import type { LoginCheck } from '../sync/login-check.js';
import type { ConsoleRequest, FormSide } from './form.js';
import type { LoginResult } from './pages.js';
import { type CaRef, endpointBase } from './sync-objects.js';

export const PASSWORD_VARIABLE = 'MAILSYNC_CONSOLE_PASSWORD';

/** Checks one side: the endpoint carries `passwordEnv`, `env` the password. */
export type LoginChecker = (endpoint: Endpoint, side: FormSide, env: NodeJS.ProcessEnv) => Promise<LoginCheck>;

export function describeLogin(check: LoginCheck): string {
  const tls =
    check.security === 'none'
      ? 'without TLS: the password travelled in clear text'
      : `with TLS (${check.security}), certificate ${check.certificateVerified ? 'verified' : 'NOT verified'}`;
  return `${check.side}: logged in to ${check.host}:${check.port} ${tls}.`;
}

export async function loginResults(
  checker: LoginChecker,
  request: ConsoleRequest,
  ca: CaRef | undefined,
  caFile?: string,
): Promise<LoginResult[]> {
  const one = async (side: FormSide): Promise<LoginResult> => {
    // The login check runs here, not in a pod: the CA comes from a file (--ca-file), not the Secret.
    const { caSecretRef: _ref, ...base } = endpointBase(request, side, ca);
    const endpoint: Endpoint = {
      ...base,
      ...(caFile && !request.extras[side].insecureSkipVerify ? { caFile } : {}),
      passwordEnv: PASSWORD_VARIABLE,
      connectTimeoutSeconds: 15,
      timeoutSeconds: 30,
    };
    try {
      const check = await checker(endpoint, side, { [PASSWORD_VARIABLE]: request.pair[side].password });
      return { side, ok: true, text: describeLogin(check) };
    } catch (error) {
      return { side, ok: false, text: `${side}: ${errorHeadline(error)}` };
    }
  };
  return Promise.all([one('source'), one('destination')]);
}
