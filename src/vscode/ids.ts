/** Command ids, as contributed in package.json. */
export const COMMANDS = {
  addServer: 'secureJupyter.addServer',
  removeServer: 'secureJupyter.removeServer',
  connect: 'secureJupyter.connect',
  disconnect: 'secureJupyter.disconnect',
  signOut: 'secureJupyter.signOut',
  forgetCredentials: 'secureJupyter.forgetCredentials',
  refresh: 'secureJupyter.refresh',
  copyServerUrl: 'secureJupyter.copyServerUrl',
  testConnection: 'secureJupyter.testConnection',
  showLog: 'secureJupyter.showLog',
  showConnections: 'secureJupyter.showConnections',
  showSecurityReport: 'secureJupyter.showSecurityReport',
  runSecurityAudit: 'secureJupyter.runSecurityAudit',
} as const;

export const VIEW_ID = 'secureJupyter.servers';
export const SETTINGS_SECTION = 'secureJupyter';
