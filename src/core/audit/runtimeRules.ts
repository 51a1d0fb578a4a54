import { makeFinding, type Finding } from './findings';
import { runtimeFix } from './fixes';
import type { RuntimeFileKind, RuntimeFileObservation, ServerObservations } from './observations';

/**
 * Runtime files hold the token (`*server-*.json`, `*-open.html`) or the key that signs login cookies
 * (`*_cookie_secret`). Another user can read one when its mode gives "other" read permission and every
 * directory above it gives "other" search permission. Group permissions are not judged (Debian-style systems
 * give each user a private group), nor are ACLs.
 */

const WHAT: Record<RuntimeFileKind, string> = {
  'server-info': 'holds the token',
  'open-html': 'holds the token in its redirect URL',
  'cookie-secret': 'holds the key that signs login cookies',
};

export function modeString(mode: number): string {
  const bits = 'rwxrwxrwx';
  let s = '';
  for (let i = 0; i < 9; i++) s += mode & (1 << (8 - i)) ? bits[i] : '-';
  return `${s} (${(mode & 0o7777).toString(8).padStart(4, '0')})`;
}

/** True when users other than the owner (and its group) can reach and read the file. */
export function readableByOthers(file: RuntimeFileObservation): boolean {
  return (file.mode & 0o004) !== 0 && file.dirs.every((d) => (d.mode & 0o001) !== 0);
}

export function runtimeFindings(obs: ServerObservations): Finding[] {
  const readable = obs.runtimeFiles.filter(readableByOthers);
  if (readable.length === 0) return [];
  const evidence = readable
    .map((f) => {
      const nearest = f.dirs[0];
      const dirs = nearest ? `; ${nearest.path} is ${(nearest.mode & 0o7777).toString(8).padStart(4, '0')} and every directory above it lets others through` : '';
      return `${f.path} (${WHAT[f.kind]}) is ${modeString(f.mode)}${dirs}`;
    })
    .join('. ');
  const dirs = [...new Set(readable.map((f) => f.dirs[0]?.path).filter((d): d is string => d !== undefined))];
  return [
    makeFinding(
      'runtime-file-readable',
      'Runtime files with secrets are readable by other users',
      `${evidence}. Any local user can read them and run code as the server's owner.`,
      runtimeFix(dirs),
    ),
  ];
}
