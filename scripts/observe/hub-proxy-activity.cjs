// Observation behind serverSource.listsOnTimer: on JupyterHub 3.0 (configurable-http-proxy) background requests
// with no_track_activity=1 still move the hub's last_activity for the server. Run after scripts/build.sh:
//   node scripts/observe/hub-proxy-activity.cjs   (about 40 s; prints the hub's and the server's own last_activity)
const { startHub, stopAllHubs } = require(__dirname + '/../../out/test/servers/jupyterhub.js');
const { ServerRegistry } = require(__dirname + '/../../out/src/core/registry/registry.js');
const { HubRegistry } = require(__dirname + '/../../out/src/core/hub/hubs.js');
const { MemoryStateStore } = require(__dirname + '/../../out/src/core/registry/stateStore.js');
const { MemorySecretStore } = require(__dirname + '/../../out/src/core/secrets/secretStore.js');
const { nullLogger } = require(__dirname + '/../../out/src/core/util/log.js');
(async () => {
  const hub = await startHub({ configLines: ['c.JupyterHub.last_activity_interval = 2'] });
  const secrets = new MemorySecretStore(), state = new MemoryStateStore();
  const registry = new ServerRegistry({ secrets, state, log: nullLogger }); registry.init();
  const hubs = new HubRegistry({ registry, secrets, state, log: nullLogger, settings: { tokenLifetimeDays: 7, silentRenewal: false } }); hubs.init();
  const h = await hubs.add({ url: hub.url, signIn: { user: 'alice', password: hub.password } });
  await h.start('', () => {});
  const token = await secrets.get(`secure-jupyter-connections/token/${h.id}`);
  const la = async () => { const r = await fetch(new URL('hub/api/users/alice', hub.url), { headers: { authorization: `token ${token}` } }); const j = await r.json(); return j.servers[''].last_activity; };
  const conn = registry.get(`${hub.url}user/alice/`);
  await conn.connect();
  console.log('start', await la());
  await new Promise(r => setTimeout(r, 8000));
  console.log('after idle 8s', await la());
  for (let i = 0; i < 8; i++) { await conn.refreshKernels(undefined, { background: true }); await new Promise(r => setTimeout(r, 1000)); }
  await new Promise(r => setTimeout(r, 4000));
  console.log('after background listings', await la());
  const st = await conn.client.send('GET', 'api/status', { background: true }); console.log('server own', JSON.parse(st.text).last_activity);
  registry.dispose(); hubs.dispose(); await stopAllHubs();
})().catch(e => { console.error(e); process.exit(1); });
