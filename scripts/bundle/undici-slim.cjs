'use strict';
// The parts of undici the project uses at run time (src/core/util/libs.ts: undici().Agent, ProxyAgent, EnvHttpProxyAgent, WebSocket, ping),
// required by path so the bundle leaves out fetch's extras, the mocks, caches, EventSource and the
// interceptor collection that undici's index loads. Using anything else from undici means adding it here.
module.exports = {
  Agent: require('undici/lib/dispatcher/agent'),
  ProxyAgent: require('undici/lib/dispatcher/proxy-agent'),
  EnvHttpProxyAgent: require('undici/lib/dispatcher/env-http-proxy-agent'),
  WebSocket: require('undici/lib/web/websocket/websocket').WebSocket,
  ping: require('undici/lib/web/websocket/websocket').ping,
};
