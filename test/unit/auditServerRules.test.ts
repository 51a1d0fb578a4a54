import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CorsProbe } from '../../src/core/audit/observations';
import { FOREIGN_ORIGIN } from '../../src/core/audit/probes';
import { authFindings, corsFindings, transportFindings, xsrfFindings, xsrfVerdict } from '../../src/core/audit/serverRules';
import { scanPageForToken, tokenFindings, urlTokenLocation } from '../../src/core/audit/tokenRules';
import { redact } from '../../src/core/util/redact';
import { observations } from './auditHelpers';

const XSRF_REQUEST = 'POST /api/kernels/00000000-0000-0000-0000-000000000000/interrupt';

describe('audit: transport, authentication, XSRF and CORS rules', () => {
  it('plain-http-remote: http to a non-loopback host only', () => {
    const fired = (url: string): boolean => transportFindings(observations(url)).some((f) => f.id === 'plain-http-remote');
    assert.equal(fired('http://10.0.0.5:8888/'), true);
    assert.equal(fired('http://jupyter.example.org/user/bob/'), true);
    for (const url of ['http://127.0.0.1:8888/', 'http://127.3.2.1:8888/', 'http://localhost:8888/', 'http://[::1]:8888/', 'http+unix://%2Ftmp%2Fj.sock/', 'https://jupyter.example.org/']) {
      assert.equal(fired(url), false, url);
    }
    const f = transportFindings(observations('http://10.0.0.5:8888/'))[0];
    assert.equal(f?.severity, 'error');
    assert.match(f?.fixFor.notebook ?? '', /c\.NotebookApp\.certfile.*c\.NotebookApp\.keyfile/);
    assert.match(f?.fixFor.jupyterHub ?? '', /c\.JupyterHub\.ssl_cert/);
  });

  it('auth-disabled: an uncredentialed GET api/status answered 200', () => {
    const auth = (status: number, credentials: 'none' | 'login cookie' = 'none') =>
      authFindings(observations(undefined, { auth: { request: 'GET /api/status', credentials, status } })).map((f) => f.id);
    assert.deepEqual(auth(200), ['auth-disabled']);
    assert.deepEqual(auth(403), []);
    assert.deepEqual(auth(200, 'login cookie'), [], 'a cookie request proves nothing about anonymous access');
    assert.deepEqual(authFindings(observations()), []);
    const f = authFindings(observations(undefined, { auth: { request: 'GET /api/status', credentials: 'none', status: 200 } }))[0];
    assert.equal(f?.evidence, 'GET /api/status without credentials → 200: the server answers its API without any token, password or cookie.');
    assert.match(f?.fixFor.jupyterServer ?? '', /c\.ServerApp\.token.*c\.IdentityProvider\.token.*c\.PasswordIdentityProvider\.hashed_password/);
  });

  describe('XSRF', () => {
    const probe = (status: number, message?: string, credentials: 'none' | 'login cookie' = 'login cookie') => ({
      request: XSRF_REQUEST,
      credentials,
      status,
      ...(message !== undefined ? { message } : {}),
    });

    it('403 with the XSRF message = enforced', () => {
      assert.equal(xsrfVerdict(probe(403, "'_xsrf' argument missing from POST")), 'enforced');
      assert.equal(xsrfVerdict(probe(403, "'_xsrf' argument missing from POST", 'none')), 'enforced');
    });

    it('404 "Kernel does not exist" = the request got past the check → xsrf-check-disabled', () => {
      const p = probe(404, 'Kernel does not exist: 00000000-0000-0000-0000-000000000000');
      assert.equal(xsrfVerdict(p), 'not-enforced');
      const f = xsrfFindings(observations(undefined, { xsrf: p }));
      assert.deepEqual(f.map((x) => x.id), ['xsrf-check-disabled']);
      assert.equal(f[0]?.severity, 'warning');
      assert.match(f[0]?.evidence ?? '', /with the login cookie only → 404 "Kernel does not exist/);
      // Whole, not cut short by redaction: "X-XSRFToken:" in the text was taken for a header line and masked.
      assert.equal(
        f[0]?.evidence,
        `${XSRF_REQUEST} with the login cookie only → 404 "Kernel does not exist: 00000000-0000-0000-0000-000000000000": sent without an X-XSRFToken header, the request got past the XSRF check to the kernel handler. Only the server's Origin check still stops cross-site writes made with the login cookie.`,
      );
      assert.equal(redact(f[0]?.evidence ?? ''), f[0]?.evidence, 'printing it (redacted again) shows it whole');
      assert.match(f[0]?.fixFor.notebook ?? '', /c\.NotebookApp\.disable_check_xsrf = False/);
      assert.match(f[0]?.fixFor.jupyterServer ?? '', /c\.ServerApp\.disable_check_xsrf = False/);
    });

    it('a plain 403 Forbidden, an HTML 404 or no probe says nothing', () => {
      assert.equal(xsrfVerdict(probe(403, 'Forbidden', 'none')), 'unknown');
      assert.equal(xsrfVerdict(probe(404, 'Not Found')), 'unknown');
      assert.equal(xsrfVerdict(undefined), 'unknown');
      assert.deepEqual(xsrfFindings(observations(undefined, { xsrf: probe(403, 'Forbidden', 'none') })), []);
    });
  });

  describe('CORS', () => {
    /** A probe reply; 404s carry the Origin check's "Not Found" message. */
    const cors = (p: Partial<CorsProbe>): CorsProbe => {
      const status = p.status ?? 404;
      return { request: 'GET /api', credentials: 'none', status, ...(status === 404 ? { message: 'Not Found' } : {}), origin: FOREIGN_ORIGIN, ...p };
    };
    const fired = (...probes: CorsProbe[]): string[] => corsFindings(observations(undefined, { cors: probes })).map((f) => f.id);

    it('the default servers refuse a foreign Origin with 404 and no Access-Control-Allow-Origin', () => {
      assert.deepEqual(fired(cors({}), cors({ request: 'GET /api/status', credentials: 'login cookie' })), []);
    });

    it('allow_origin="*": Access-Control-Allow-Origin: * and the cookie request accepted', () => {
      const ids = fired(cors({ status: 200, allowOrigin: '*' }), cors({ request: 'GET /api/status', credentials: 'login cookie', status: 200, allowOrigin: '*' }));
      assert.deepEqual(ids, ['cors-any-origin']);
      const f = corsFindings(observations(undefined, { cors: [cors({ status: 200, allowOrigin: '*' })] }))[0];
      assert.equal(f?.severity, 'error');
      assert.match(f?.evidence ?? '', /GET \/api without credentials → 200 with Origin: https:\/\/jupyter-secure-audit\.invalid \(Access-Control-Allow-Origin: \*\)/);
      assert.match(f?.fixFor.notebook ?? '', /c\.NotebookApp\.allow_origin = ''/);
    });

    it('a catch-all allow_origin_pat echoes the foreign origin; credentials allowed are shown', () => {
      const ids = fired(cors({ status: 404, allowOrigin: FOREIGN_ORIGIN, allowCredentials: 'true' }));
      assert.deepEqual(ids, ['cors-any-origin']);
      assert.match(corsFindings(observations(undefined, { cors: [cors({ allowOrigin: FOREIGN_ORIGIN, allowCredentials: 'true' })] }))[0]?.evidence ?? '', /Access-Control-Allow-Credentials: true/);
    });

    it('one trusted origin (allow_origin="https://app.example.org") is not "any origin"', () => {
      assert.deepEqual(fired(cors({ allowOrigin: 'https://app.example.org', allowCredentials: 'true' })), []);
    });
  });

  describe('token exposure', () => {
    it('token-in-url only for a token in the query of the given URL', () => {
      assert.deepEqual(tokenFindings(observations(undefined, { urlToken: 'query' })).map((f) => f.id), ['token-in-url']);
      assert.deepEqual(tokenFindings(observations(undefined, { urlToken: 'fragment' })), [], 'a fragment never reaches the server');
      assert.deepEqual(tokenFindings(observations()), []);
      const f = tokenFindings(observations(undefined, { urlToken: 'query' }))[0];
      assert.match(f?.evidence ?? '', /carried \?token=\[redacted\]/);
      assert.match(f?.fixFor.jupyterHub ?? '', /JUPYTERHUB_ALLOW_TOKEN_IN_URL/);
    });

    it('urlTokenLocation: what a pasted URL carried', () => {
      assert.equal(urlTokenLocation('http://127.0.0.1:8888/lab?token=abc'), 'query');
      assert.equal(urlTokenLocation(' http://127.0.0.1:8888/tree?x=1&token=abc '), 'query');
      assert.equal(urlTokenLocation('http://127.0.0.1:8888/lab#token=abc'), 'fragment');
      assert.equal(urlTokenLocation('http://127.0.0.1:8888/lab?token='), undefined);
      assert.equal(urlTokenLocation('http://127.0.0.1:8888/lab'), undefined);
      assert.equal(urlTokenLocation('not a url'), undefined);
    });

    it('scanPageForToken: notebook 6.4 and jupyter_server 1.23 pages, a password server page', () => {
      const nb = `<body class="notebook_list" data-jupyter-api-token="tok-abc" data-base-url="/">
        <div id="ipython_notebook" class="nav navbar-brand"><a href="/tree?token=tok-abc" title='dashboard'>`;
      assert.deepEqual(scanPageForToken(nb), { apiTokenAttribute: true, tokenLinks: 1 });
      const js = `<body data-jupyter-api-token="tok-js"><a href="/?token=tok-js">`;
      assert.deepEqual(scanPageForToken(js), { apiTokenAttribute: true, tokenLinks: 1 });
      const escaped = `<a href='/tree?x=1&amp;token=tok-1'>`;
      assert.deepEqual(scanPageForToken(escaped), { apiTokenAttribute: false, tokenLinks: 1 });
      const password = `<body data-jupyter-api-token="" data-base-url="/"><a href="/tree" title='dashboard'><a href="/tree?token=">`;
      assert.deepEqual(scanPageForToken(password), { apiTokenAttribute: false, tokenLinks: 0 });
    });

    it('token-in-page only for a 200 page that shows it; the evidence never quotes the token', () => {
      const page = (status: number, apiTokenAttribute: boolean, tokenLinks: number) =>
        tokenFindings(observations(undefined, { page: { request: 'GET /tree', status, apiTokenAttribute, tokenLinks } }));
      assert.deepEqual(page(200, true, 1).map((f) => f.id), ['token-in-page']);
      assert.equal(page(200, true, 1)[0]?.severity, 'info');
      assert.equal(
        page(200, true, 1)[0]?.evidence,
        'GET /tree → 200 contains the token in a data-jupyter-api-token attribute and 1 link with ?token=[redacted]: any script on the page can read the token, and following the link puts it in a URL. Unlike the login cookie, the token does not expire.',
      );
      assert.deepEqual(page(200, false, 0), []);
      assert.deepEqual(page(302, true, 1), []);
    });
  });
});
