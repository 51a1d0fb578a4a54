// Entry point of the provider suite (scripts/test-host.sh provider): runs in a VS Code whose extension host has
// our extension AND the stand-in Jupyter extension (test/host/jupyterFixture) loaded.
import { runMocha } from '../harness/mochaIndex';

export function run(): Promise<void> {
  return runMocha(__dirname, { timeout: 120_000 });
}
