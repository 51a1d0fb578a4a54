import { InvalidInputError } from '../util/errors';
import { registerSecret } from '../util/redact';

export type Credential =
  | { readonly kind: 'token'; readonly token: string }
  | { readonly kind: 'password'; readonly password: string }
  | { readonly kind: 'none' };

/** What the user asked for: `token` = Authorization header, `cookie` = log in for a cookie session, `auto`. */
export type AuthMode = 'token' | 'cookie' | 'auto';

export const AUTH_MODES: readonly AuthMode[] = ['token', 'cookie', 'auto'];

/** How requests are actually authenticated. */
export type AuthPlan =
  /** `Authorization: token …` on every request; XSRF is not needed. */
  | 'token-header'
  /** POST /login with the password; then the login cookie plus XSRF. */
  | 'password-login'
  /** POST /login with the token in the password field; then the login cookie plus XSRF. */
  | 'token-login'
  /** No credential (a server with auth disabled); writes still need XSRF. */
  | 'anonymous';

export function tokenCredential(token: string): Credential {
  registerSecret(token);
  return { kind: 'token', token };
}

export function passwordCredential(password: string): Credential {
  registerSecret(password);
  return { kind: 'password', password };
}

export const noCredential: Credential = { kind: 'none' };

export function planAuth(credential: Credential, mode: AuthMode): AuthPlan {
  switch (credential.kind) {
    case 'token':
      return mode === 'cookie' ? 'token-login' : 'token-header';
    case 'password':
      if (mode === 'token') {
        throw new InvalidInputError('A password cannot be sent as a token header.', {
          hint: 'Use the cookie (or auto) authentication mode with a password, or provide the server token instead.',
        });
      }
      return 'password-login';
    case 'none':
      return 'anonymous';
  }
}

export function usesCookieSession(plan: AuthPlan): boolean {
  return plan !== 'token-header';
}

export function describePlan(plan: AuthPlan): string {
  switch (plan) {
    case 'token-header':
      return 'token in the Authorization header';
    case 'password-login':
      return 'password login, cookie session with XSRF';
    case 'token-login':
      return 'token used as password, cookie session with XSRF';
    case 'anonymous':
      return 'no credentials (server authentication is off), XSRF on writes';
  }
}
