#!/usr/bin/env node
import { redact } from '../core/util/redact';
import { main } from './main';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(redact(`internal error: ${err instanceof Error ? err.message : String(err)}`) + '\n');
    process.exitCode = 1;
  },
);
