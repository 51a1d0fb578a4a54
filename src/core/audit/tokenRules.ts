import { makeFinding, type Finding } from './findings';
import { FIXES } from './fixes';
import type { PageProbe, ServerObservations } from './observations';

/**
 * Where the token shows up. Observable: the URL handed to the audit (a pasted `…/lab?token=…`), and the
 * logged-in pages (notebook 6.4 and jupyter_server 1.23 put the token in `data-jupyter-api-token` and in the
 * dashboard link, `/tree?token=…` resp. `/?token=…`). Not observable, so never reported: the server's own log
 * and terminal output, the browser's history, what `jupyter server list` prints.
 */

const API_TOKEN_ATTRIBUTE = /data-jupyter-api-token\s*=\s*("[^"]+"|'[^']+')/i;
const TOKEN_LINK = /\b(?:href|src|action)\s*=\s*["'][^"']*?[?&](?:amp;)?token=[^"'&#\s]+/gi;

/** Where a URL a person gave carries a token (`?token=` is sent to the server, `#token=` is not), if it does. */
export function urlTokenLocation(text: string): 'query' | 'fragment' | undefined {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    return undefined;
  }
  if (url.searchParams.get('token')) return 'query';
  if (/(?:^#|&)token=[^&]+/.test(url.hash)) return 'fragment';
  return undefined;
}

/** What a page reveals about the token, without keeping the token. */
export function scanPageForToken(html: string): Pick<PageProbe, 'apiTokenAttribute' | 'tokenLinks'> {
  return { apiTokenAttribute: API_TOKEN_ATTRIBUTE.test(html), tokenLinks: html.match(TOKEN_LINK)?.length ?? 0 };
}

export function tokenFindings(obs: ServerObservations): Finding[] {
  const out: Finding[] = [];
  if (obs.urlToken === 'query') {
    out.push(
      makeFinding(
        'token-in-url',
        'The token travelled in a URL',
        `The URL given for ${obs.endpoint.id} carried ?token=[redacted]: a URL with a token ends up in browser history, bookmarks, chat logs and the logs of proxies in front of the server.`,
        FIXES['token-in-url'],
      ),
    );
  }
  const page = obs.page;
  if (page && page.status === 200 && (page.apiTokenAttribute || page.tokenLinks > 0)) {
    const where = [
      ...(page.apiTokenAttribute ? ['the token in a data-jupyter-api-token attribute'] : []),
      ...(page.tokenLinks > 0 ? [`${page.tokenLinks} link${page.tokenLinks === 1 ? '' : 's'} with ?token=[redacted]`] : []),
    ].join(' and ');
    out.push(
      makeFinding(
        'token-in-page',
        'Logged-in pages carry the server token',
        `${page.request} → 200 contains ${where}: any script on the page can read the token, and following the link puts it in a URL. Unlike the login cookie, the token does not expire.`,
        FIXES['token-in-page'],
      ),
    );
  }
  return out;
}
