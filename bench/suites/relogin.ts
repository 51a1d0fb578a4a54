/**
 * 3. Re-login under load: 100 concurrent requests on an expired cookie session. Logins performed (counted by
 * `session.loginCount`, must be 1) and wall time relative to one login plus one request.
 *
 * The expiry is real, made by the server: jupyter-server started with `cookie_options={"expires_days": E}` (the
 * cookie's Expires) and `get_secure_cookie_kwargs={"max_age_days": E}` (the server refuses older cookies, 403 plus
 * a clearing Set-Cookie), E = a few seconds. Dropping the cookie client-side would only exercise the first path
 * below, and a kill/restart changes more than the session. Two ways a client meets the expiry:
 *  - "client clock": the client's clock sees the cookie's Expires pass; the jar drops it and the first request
 *    signs in before sending (all 100 wait for that one login);
 *  - "server refusal": the client cannot know (its clock is 10 minutes slow here; in real life a server whose
 *    max_age is shorter than the cookie's Expires, or a server-side logout); all 100 requests go out, come back
 *    403 with a clearing Set-Cookie, one login runs, and all 100 are replayed.
 * Reference: one request on a session without a login cookie (= one login plus one request), measured in the
 * same cycles. Renewal before expiry is off for these clients (it would hide the expiry).
 */
import { getStatus } from '../../src/core/rest';
import type { JupyterClient } from '../../src/core/transport/client';
import { atMost, exactly, info, table, type Metric } from '../lib/results';
import { ourClient, startBenchServer, stopBenchServers } from '../lib/session';
import { fmt, median, sleep, summarize } from '../lib/stats';
import type { SuiteOptions, SuiteOutput } from '../lib/suite';

const LIFETIME_S = 4;
const N = 100;

async function burst(client: JupyterClient, n: number): Promise<{ ms: number; loginDoneMs: number | undefined; logins: number; failed: number }> {
  const before = client.auth.loginCount;
  let loginDone: number | undefined;
  const sub = client.auth.onDidFinishLogin(() => (loginDone = performance.now()));
  const t0 = performance.now();
  const settled = await Promise.allSettled(Array.from({ length: n }, () => getStatus(client)));
  const t1 = performance.now();
  sub.dispose();
  return { ms: t1 - t0, loginDoneMs: loginDone === undefined ? undefined : loginDone - t0, logins: client.auth.loginCount - before, failed: settled.filter((s) => s.status === 'rejected').length };
}

export async function relogin(o: SuiteOptions): Promise<SuiteOutput> {
  const days = LIFETIME_S / 86_400;
  const server = await startBenchServer({ traits: { cookie_options: `{"expires_days": ${days}}`, get_secure_cookie_kwargs: `{"max_age_days": ${days}}` } });
  const byClock = ourClient(server, { renewBeforeMs: 0 });
  const byServer = ourClient(server, { renewBeforeMs: 0, now: () => Date.now() - 10 * 60_000 });
  const ref = ourClient(server, { renewBeforeMs: 0 });
  const live = ourClient(server, { renewBeforeMs: 0, now: () => Date.now() - 10 * 60_000 });
  const cycles = o.quick ? 3 : 10;
  const res = { clock: [] as number[], server: [] as number[], ref: [] as number[], liveBurst: [] as number[], login: [] as number[], request: [] as number[] };
  const logins = { clock: [] as number[], server: [] as number[] };
  /** Within each expired burst: until the login finished, and from then to the last reply. */
  const split = { clock: { until: [] as number[], after: [] as number[] }, server: { until: [] as number[], after: [] as number[] } };
  let failures = 0;
  let xsrfKeptByClock = 0;
  try {
    await Promise.all([byClock.authenticate(), byServer.authenticate(), ref.authenticate(), live.authenticate()]);
    for (let c = 0; c < cycles; c++) {
      // Let the login cookies of byClock and byServer expire (the server checks whole seconds: add a margin).
      await sleep(LIFETIME_S * 1000 + 1500);
      if (byClock.auth.hasXsrf()) xsrfKeptByClock++;
      const order = c % 2 === 0 ? (['clock', 'server'] as const) : (['server', 'clock'] as const);
      for (const which of order) {
        const r = await burst(which === 'clock' ? byClock : byServer, N);
        res[which].push(r.ms);
        logins[which].push(r.logins);
        if (r.loginDoneMs !== undefined) {
          split[which].until.push(r.loginDoneMs);
          split[which].after.push(r.ms - r.loginDoneMs);
        }
        failures += r.failed;
      }
      // References, interleaved in the same cycle: login + one request; login alone; one request; a live burst.
      for (let i = 0; i < 3; i++) {
        ref.auth.jar.clearLogin();
        let t0 = performance.now();
        await getStatus(ref);
        res.ref.push(performance.now() - t0);
        ref.auth.jar.clearLogin();
        t0 = performance.now();
        await ref.login(undefined, ref.auth.generation);
        res.login.push(performance.now() - t0);
        t0 = performance.now();
        await getStatus(ref);
        res.request.push(performance.now() - t0);
      }
      // A live session's burst: log in first (its cookie may be past the server's max_age by now).
      live.auth.jar.clearLogin();
      await getStatus(live);
      res.liveBurst.push((await burst(live, N)).ms);
      o.log(`cycle ${c + 1}/${cycles}: clock ${fmt(res.clock.at(-1))} ms (${logins.clock.at(-1)} login), server ${fmt(res.server.at(-1))} ms (${logins.server.at(-1)} login), ref ${fmt(res.ref.at(-1))} ms`);
    }
    const ref1 = median(res.ref);
    const clock = summarize(res.clock);
    const srv = summarize(res.server);
    const maxLogins = (xs: number[]): number => Math.max(...xs);
    const minLogins = (xs: number[]): number => Math.min(...xs);
    const loginsFigure = (xs: number[]): number => (maxLogins(xs) === minLogins(xs) ? (xs[0] as number) : maxLogins(xs));
    const metrics: Metric[] = [
      exactly('relogin', `re-login, client clock: logins per ${N} concurrent requests (worst of ${cycles} cycles)`, loginsFigure(logins.clock), '', 1),
      exactly('relogin', `re-login, server refusal (403 + clearing Set-Cookie): logins per ${N} concurrent requests (worst of ${cycles} cycles)`, loginsFigure(logins.server), '', 1),
      atMost('relogin', `re-login, client clock: ${N} concurrent requests / (one login + one request), median`, clock.median / ref1, 'x', 1.5, '< 1.5x'),
      atMost('relogin', `re-login, server refusal: ${N} concurrent requests / (one login + one request), median`, srv.median / ref1, 'x', 1.5, '< 1.5x'),
      exactly('relogin', 're-login: failed requests (all cycles)', failures, '', 0),
      info('relogin', 're-login: one login + one request (reference), median', ref1, 'ms'),
      info('relogin', 're-login: one login alone, median', median(res.login), 'ms'),
      info('relogin', 're-login: one request on a live session, median', median(res.request), 'ms'),
      info('relogin', `re-login: ${N} concurrent requests on a live session, median`, median(res.liveBurst), 'ms'),
      info('relogin', `re-login, client clock: ${N} concurrent requests, median wall time`, clock.median, 'ms'),
      info('relogin', `re-login, server refusal: ${N} concurrent requests, median wall time`, srv.median, 'ms'),
      info('relogin', 're-login, client clock: of which until the login is done, median', median(split.clock.until), 'ms'),
      info('relogin', 're-login, client clock: of which after the login, median', median(split.clock.after), 'ms'),
      info('relogin', 're-login, server refusal: of which until the login is done, median', median(split.server.until), 'ms'),
      info('relogin', 're-login, server refusal: of which after the login, median', median(split.server.after), 'ms'),
    ];
    for (const m of metrics) if (m.target === '< 1.5x' && m.value !== null) m.met = m.value < 1.5;
    const live100 = median(res.liveBurst);
    const md = [
      `jupyter-server with a ${LIFETIME_S} s session (expires_days and max_age_days), password login (argon2 hash, as \`jupyter server password\` makes). ` +
        `${cycles} cycles: wait for expiry, then ${N} concurrent \`GET api/status\` on each expired client (order alternating), then the references. ` +
        `The client-clock client kept its \`_xsrf\` cookie through expiry in ${xsrfKeptByClock}/${cycles} cycles (else the login first fetches the login page).`,
      '',
      table(
        ['case', 'logins (each cycle)', 'median ms', 'p99 ms', '/ (login + request)', `minus a live ${N}-burst, / login`],
        [
          ['client clock', logins.clock.join(' '), fmt(clock.median), fmt(clock.p99), `${fmt(clock.median / ref1)}x`, `${fmt((clock.median - live100) / median(res.login))}x`],
          ['server refusal', logins.server.join(' '), fmt(srv.median), fmt(srv.p99), `${fmt(srv.median / ref1)}x`, `${fmt((srv.median - live100) / median(res.login))}x`],
          ['reference: one login + one request', '1', fmt(ref1), fmt(summarize(res.ref).p99), '1x', ''],
          ['one login alone', '1', fmt(median(res.login)), fmt(summarize(res.login).p99), '', ''],
          ['one request, live session', '0', fmt(median(res.request)), fmt(summarize(res.request).p99), '', ''],
          [`${N} concurrent requests, live session`, '0', fmt(live100), fmt(summarize(res.liveBurst).p99), `${fmt(live100 / ref1)}x`, ''],
        ],
      ),
      '',
      `The last column subtracts what ${N} concurrent requests cost on a live session from the expired burst and divides by one login: ` +
        'how many logins\' worth of extra time the expiry cost (1x = exactly one login, nothing wasted).',
      '',
      'Where the time of an expired burst goes (medians, ms): until the one login finished, then until the last reply.',
      '',
      table(
        ['case', 'until the login is done', 'after the login', `for comparison: one login alone; a live ${N}-burst`],
        (['clock', 'server'] as const).map((k) => [
          k === 'clock' ? 'client clock' : 'server refusal',
          fmt(median(split[k].until)),
          fmt(median(split[k].after)),
          `${fmt(median(res.login))}; ${fmt(live100)}`,
        ]),
      ),
    ].join('\n');
    return { title: '3. Re-login under load', metrics, markdown: md };
  } finally {
    for (const c of [byClock, byServer, ref, live]) await c.close();
    await stopBenchServers();
  }
}
