import type * as ToughCookie from 'tough-cookie';
import type * as Undici from 'undici';

/**
 * undici and tough-cookie, loaded on first use instead of at startup: the extension activates without them and
 * loads them with its first connection (esbuild puts them in their own files, dist/undici.js and
 * dist/tough-cookie.js; see esbuild.mjs). Import their types as usual; take their values from here.
 */
let undiciLib: typeof Undici | undefined;
let toughCookieLib: typeof ToughCookie | undefined;

export function undici(): typeof Undici {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (undiciLib ??= require('undici') as typeof Undici);
}

export function toughCookie(): typeof ToughCookie {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (toughCookieLib ??= require('tough-cookie') as typeof ToughCookie);
}
