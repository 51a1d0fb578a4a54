// Public entry for UI tests and scripts running in plain Node (not for the extension host: use mochaIndex).
export { resolveServer, repoRoot, serverScript, type InstalledServer } from './install';
export {
  CHROMIUM_ARGS,
  DEFAULT_USER_SETTINGS,
  freePort,
  launchVsCode,
  remoteUri,
  sleep,
  type LaunchOptions,
  type LogLine,
  type LogSource,
  type VsCodeHandle,
} from './launch';
export * from './ui';
