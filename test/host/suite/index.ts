// Entry point the extension host requires (extensionTestsPath = out/test/host/suite/index.js): every *.test.js here.
import { runMocha } from '../harness/mochaIndex';

export function run(): Promise<void> {
  return runMocha(__dirname, { timeout: 60_000 });
}
