import type { Suite } from '../lib/suite';
import { activation } from './activation';
import { bundle } from './bundle';
import { discovery } from './discovery';
import { interceptors } from './interceptors';
import { jar } from './jar';
import { notebook } from './notebook';
import { relogin } from './relogin';
import { rest } from './rest';
import { soak } from './soak';
import { websocket } from './websocket';

export interface SuiteEntry {
  suite: Suite;
  /** Extra node flags for the child process that runs it. */
  nodeFlags?: string[];
  /** One line for --list and the README. */
  about: string;
}

/** Every benchmark, in the order `npm run bench` runs them. */
export const SUITES: Record<string, SuiteEntry> = {
  rest: { suite: rest, about: 'REST on a cookie session with XSRF: ours vs undici floor vs @jupyterlab/services, c=1 and c=16' },
  websocket: { suite: websocket, about: 'kernel WebSocket: kernel_info round trips and 1,000 execute_request bursts, ours vs undici WebSocket vs @jupyterlab/services' },
  notebook: { suite: notebook, about: 'a notebook through our server provider: @jupyterlab/services as the Jupyter extension sets it up, 100 cells, our fetch/WebSocket vs its defaults (node-fetch + ws)' },
  relogin: { suite: relogin, about: 're-login under load: 100 concurrent requests on a server-expired cookie session, logins counted, time vs one login + one request' },
  discovery: { suite: discovery, about: 'discovery: 10,000 runtime files (100 live), full scan cold/warm, and new-server-to-listed delay of the DiscoveryWatcher' },
  bundle: { suite: bundle, about: 'bundle size of dist/extension.js and dist/cli.js (production, minified and gzip) with the biggest inputs' },
  interceptors: { suite: interceptors, about: 'CPU per request of the cookie/XSRF/auth interceptors with 50 cookies (stub dispatcher), and of the whole client over undici' },
  jar: { suite: jar, nodeFlags: ['--expose-gc'], about: 'heap held by a ServerCookieJar with 1,000 cookies' },
  activation: { suite: activation, about: 'activation time of the production bundle in the real VS Code extension host (code-server harness)' },
  soak: { suite: soak, about: 'the soak (issue 5): REST + kernel traffic through forced expiries and SIGKILL restarts with new tokens, via registry + watcher' },
};
