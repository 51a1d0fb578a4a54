'use strict';
// The parts of undici the project uses at run time (src/core/util/libs.ts: undici().Agent, ProxyAgent, EnvHttpProxyAgent, WebSocket, ping),
// required by path so the bundle leaves out fetch's extras, the mocks, caches, EventSource and the
// interceptor collection that undici's index loads. Using anything else from undici means adding it here.
// undici's index puts its request/connect/upgrade API on Dispatcher.prototype, and ProxyAgent tunnels with
// `client.connect(...)`: without this the bundled proxy agents fail with "this[kClient].connect is not a function".
// It changes this bundled copy of undici only (not Node's own, which fetch and other extensions use).
Object.assign(require('undici/lib/dispatcher/dispatcher').prototype, require('undici/lib/api'));

module.exports = {
  Agent: require('undici/lib/dispatcher/agent'),
  ProxyAgent: require('undici/lib/dispatcher/proxy-agent'),
  EnvHttpProxyAgent: require('undici/lib/dispatcher/env-http-proxy-agent'),
  WebSocket: require('undici/lib/web/websocket/websocket').WebSocket,
  ping: require('undici/lib/web/websocket/websocket').ping,
};
