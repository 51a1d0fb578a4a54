/**
 * A hub user's server as JupyterHub's user model describes it (`servers[name]`, jupyterhub-facts.md A.3): what the
 * server registry keeps as a hub server's source and what the hub API returns.
 */
export interface HubServerModel {
  readonly name: string;
  readonly ready: boolean;
  readonly pending: 'spawn' | 'stop' | null;
  readonly stopped: boolean;
  /** The server's path (with the hub's base), e.g. `/user/alice/`. */
  readonly url: string;
  readonly started?: string;
  readonly last_activity?: string;
}
