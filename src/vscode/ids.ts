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
  addHub: 'secureJupyter.addHub',
  signInToHub: 'secureJupyter.signInToHub',
  removeHub: 'secureJupyter.removeHub',
  startHubServer: 'secureJupyter.startHubServer',
  stopHubServer: 'secureJupyter.stopHubServer',
  newNamedServer: 'secureJupyter.newNamedServer',
  deleteNamedServer: 'secureJupyter.deleteNamedServer',
  trustCertificate: 'secureJupyter.trustCertificate',
  setServerProxy: 'secureJupyter.setServerProxy',
} as const;

export const VIEW_ID = 'secureJupyter.servers';
export const SETTINGS_SECTION = 'secureJupyter';
