import type { FindingId, FixText, HubFindingId, TlsFindingId } from './findings';

/**
 * The server settings that fix each finding, per family. notebook 6.x and jupyter_server 1.x read the login
 * cookie options from the app (`c.NotebookApp.cookie_options`, `c.ServerApp.cookie_options`); jupyter_server 2.x
 * moved them and the token to the identity provider (`c.IdentityProvider.…`); JupyterHub hands its
 * `tornado_settings["cookie_options"]` to single-user servers (as JUPYTERHUB_COOKIE_OPTIONS).
 */

/** `x` rounded down to three significant digits: a suggested lifetime never exceeds the maximum it comes from. */
export function floorSignificant(x: number, digits = 3): number {
  if (!(x > 0)) return 0;
  const scale = 10 ** (digits - 1 - Math.floor(Math.log10(x)));
  return Math.floor(x * scale + 1e-9) / scale;
}

const cookieOptions = (options: string, note = ''): FixText => ({
  notebook: `c.NotebookApp.cookie_options = ${options}${note}`,
  jupyterServer: `1.x: c.ServerApp.cookie_options = ${options}; 2.x: c.IdentityProvider.cookie_options = ${options}${note}`,
  jupyterHub: `c.JupyterHub.tornado_settings = {"cookie_options": ${options}} (hub cookies, and single-user cookies through JUPYTERHUB_COOKIE_OPTIONS)${note}`,
});

export function lifetimeFix(maxHours: number): FixText {
  const days = floorSignificant(maxHours / 24);
  const seconds = Math.floor(maxHours * 3600);
  const expires = `{"expires_days": ${days}}`;
  const maxAge = `{"max_age_days": ${days}}`;
  return {
    notebook: `c.NotebookApp.cookie_options = ${expires} and, so the server itself refuses older cookies, c.NotebookApp.get_secure_cookie_kwargs = ${maxAge}`,
    jupyterServer: `1.x: c.ServerApp.cookie_options = ${expires} and c.ServerApp.get_secure_cookie_kwargs = ${maxAge}; 2.x: c.IdentityProvider.cookie_options = ${expires} and c.IdentityProvider.get_secure_cookie_kwargs = ${maxAge}`,
    jupyterHub: `c.JupyterHub.cookie_max_age_days = ${days} and c.JupyterHub.tornado_settings = {"cookie_options": ${expires}}; single-user access ends with its OAuth token: c.JupyterHub.oauth_token_expires_in = ${seconds}`,
  };
}

export function expiryEnforcementFix(maxHours: number): FixText {
  const days = floorSignificant(maxHours / 24);
  const maxAge = `{"max_age_days": ${days}}`;
  return {
    notebook: `c.NotebookApp.get_secure_cookie_kwargs = ${maxAge} (no more than cookie_options["expires_days"]; without it tornado accepts a signed cookie for 31 days)`,
    jupyterServer: `1.x: c.ServerApp.get_secure_cookie_kwargs = ${maxAge}; 2.x: c.IdentityProvider.get_secure_cookie_kwargs = ${maxAge} (no more than the cookie's expires_days)`,
    jupyterHub: `c.JupyterHub.cookie_max_age_days = ${days} (hub login) and c.JupyterHub.oauth_token_expires_in = ${Math.floor(maxHours * 3600)} (single-user servers; they cache a token check for up to c.HubAuth.cache_max_age = 300 s)`,
  };
}

export function runtimeFix(dirs: readonly string[]): FixText {
  const where = dirs.length > 0 ? dirs.join(', ') : 'the runtime dir (jupyter --runtime-dir)';
  return {
    notebook: `chmod 700 ${where}: notebook 6.x writes nbserver-*.json and nbserver-*-open.html 0644 (both hold the token), so only the directory protects them; JUPYTER_RUNTIME_DIR moves it`,
    jupyterServer: `chmod 700 ${where}: jpserver-*.json is written 0600 but jpserver-*-open.html 0644 (it holds the token too); JUPYTER_RUNTIME_DIR moves it`,
    jupyterHub: `single-user servers write to the spawned user's runtime dir: keep it 0700 (JUPYTER_RUNTIME_DIR in c.Spawner.environment moves it)`,
  };
}

/** The fixes that depend on nothing but the finding (the hub findings' are in hubRules.ts, the TLS ones in tlsRules.ts). */
export const FIXES: Readonly<Record<Exclude<FindingId, 'login-cookie-long-lived' | 'login-cookie-expiry-not-enforced' | 'runtime-file-readable' | HubFindingId | TlsFindingId>, FixText>> = {
  'login-cookie-not-httponly': {
    ...cookieOptions('{"httponly": True}'),
    notebook: 'c.NotebookApp.cookie_options = {"httponly": True} (HttpOnly is the default: drop the "httponly": False override)',
  },
  'login-cookie-not-secure': {
    notebook:
      'drop "secure": False from c.NotebookApp.cookie_options and "secure_cookie": False from c.NotebookApp.tornado_settings (Secure is added over https by default); behind a TLS proxy set c.NotebookApp.cookie_options = {"secure": True}',
    jupyterServer:
      '1.x: drop "secure": False from c.ServerApp.cookie_options and "secure_cookie": False from c.ServerApp.tornado_settings, or set c.ServerApp.cookie_options = {"secure": True}; 2.x: c.IdentityProvider.secure_cookie = True',
    jupyterHub: 'c.JupyterHub.tornado_settings = {"cookie_options": {"secure": True}}',
  },
  'login-cookie-no-samesite': cookieOptions('{"samesite": "Lax"}', ' ("Strict" is stricter still)'),
  'login-cookie-samesite-none': cookieOptions('{"samesite": "Lax"}', ' (instead of "None")'),
  'plain-http-remote': {
    notebook:
      "serve https: c.NotebookApp.certfile = '/path/to/cert.pem' and c.NotebookApp.keyfile = '/path/to/key.pem' (or a TLS proxy in front); or keep c.NotebookApp.ip = '127.0.0.1' and connect through ssh -L",
    jupyterServer:
      "serve https: c.ServerApp.certfile and c.ServerApp.keyfile (1.x and 2.x), or a TLS proxy in front; or keep c.ServerApp.ip = '127.0.0.1' and connect through ssh -L",
    jupyterHub: 'c.JupyterHub.ssl_cert and c.JupyterHub.ssl_key, or TLS termination in front of the proxy',
  },
  'auth-disabled': {
    notebook:
      "remove c.NotebookApp.token = '' (a random token is then generated) or set c.NotebookApp.password to a hash from notebook.auth.passwd(); never both empty",
    jupyterServer:
      "1.x: remove c.ServerApp.token = '' or set c.ServerApp.password (hash from jupyter_server.auth.passwd()); 2.x: c.IdentityProvider.token or c.PasswordIdentityProvider.hashed_password",
    jupyterHub:
      "single-user servers must authenticate through the hub (jupyterhub-singleuser): check that c.Spawner.cmd and c.Spawner.args do not start a plain server with token ''",
  },
  'xsrf-check-disabled': {
    notebook: 'c.NotebookApp.disable_check_xsrf = False (the default)',
    jupyterServer: 'c.ServerApp.disable_check_xsrf = False (the default, 1.x and 2.x)',
    jupyterHub: 'single-user servers: drop --ServerApp.disable_check_xsrf=True from c.Spawner.args (or the single-user config)',
  },
  'cors-any-origin': {
    notebook: "c.NotebookApp.allow_origin = '' (the default) or one trusted origin such as 'https://app.example.org'; no catch-all c.NotebookApp.allow_origin_pat",
    jupyterServer: "c.ServerApp.allow_origin = '' (the default) or one trusted origin; no catch-all c.ServerApp.allow_origin_pat (1.x and 2.x)",
    jupyterHub:
      'single-user servers: no --ServerApp.allow_origin=* in c.Spawner.args (or the single-user config); the hub: no Access-Control-Allow-Origin in c.JupyterHub.tornado_settings["headers"]',
  },
  'cookie-rejected': {
    notebook:
      'a __Secure- or __Host- cookie name needs Secure (serve https or set c.NotebookApp.cookie_options = {"secure": True} behind a TLS proxy) and __Host- also Path=/ and no Domain; otherwise check the proxy or extension that sets the refused cookie',
    jupyterServer:
      '1.x: c.ServerApp.cookie_options = {"secure": True} (https) for __Secure-/__Host- names, __Host- also with Path=/ and no Domain; 2.x: c.IdentityProvider.cookie_options; otherwise check the proxy or extension that sets the refused cookie',
    jupyterHub:
      'c.JupyterHub.tornado_settings = {"cookie_options": {"secure": True}} for __Secure-/__Host- names (served over https); otherwise check the proxy in front of the hub',
  },
  'token-in-url': {
    notebook:
      'treat the token as leaked: restart with a new c.NotebookApp.token (or JUPYTER_TOKEN) and give it to clients out of band (JUPYTER_TOKEN, the extension\'s secret store), never as ?token= in a URL',
    jupyterServer:
      '1.x: a new c.ServerApp.token; 2.x: a new c.IdentityProvider.token (or JUPYTER_TOKEN); give it to clients out of band, never as ?token= in a URL',
    jupyterHub:
      'revoke the token (DELETE /hub/api/users/<name>/tokens/<id> or the hub\'s token page) and refuse tokens in page URLs: c.Spawner.environment = {"JUPYTERHUB_ALLOW_TOKEN_IN_URL": "0"} (HubAuth.allow_token_in_url, off by default since JupyterHub 5)',
  },
  'token-in-page': {
    notebook:
      "sign in with a password instead of a token: c.NotebookApp.password = <hash from notebook.auth.passwd()> and c.NotebookApp.token = '' (pages then carry no token)",
    jupyterServer:
      "1.x: c.ServerApp.password = <hash> and c.ServerApp.token = ''; 2.x: c.PasswordIdentityProvider.hashed_password = <hash> and c.IdentityProvider.token = '' (newer 2.x releases also keep the token out of the dashboard link)",
    jupyterHub: "pages carry the user's own hub token: bound its lifetime with c.JupyterHub.oauth_token_expires_in",
  },
};
