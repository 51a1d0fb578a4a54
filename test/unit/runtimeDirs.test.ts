import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jupyterDataDir, jupyterRuntimeDir, runtimeDirsToScan, type DirContext } from '../../src/core/discovery/runtimeDirs';

// jupyter_core 5.x `paths.py` is the reference: JUPYTER_RUNTIME_DIR, else `jupyter_data_dir()/runtime`;
// JUPYTER_PLATFORM_DIRS switches to platformdirs with APPNAME "Jupyter" on macOS and Windows.
const linux = (env: DirContext['env'] = {}): DirContext => ({ env, platform: 'linux', home: '/home/u' });
const darwin = (env: DirContext['env'] = {}): DirContext => ({ env, platform: 'darwin', home: '/Users/u' });
const win = (env: DirContext['env'] = {}): DirContext => ({ env, platform: 'win32', home: 'C:\\Users\\u' });

describe('discovery/runtimeDirs: linux', () => {
  it('defaults to ~/.local/share/jupyter/runtime', () => {
    assert.equal(jupyterRuntimeDir(linux()), '/home/u/.local/share/jupyter/runtime');
  });

  it('uses XDG_DATA_HOME, and ignores it when empty', () => {
    assert.equal(jupyterRuntimeDir(linux({ XDG_DATA_HOME: '/xdg' })), '/xdg/jupyter/runtime');
    assert.equal(jupyterRuntimeDir(linux({ XDG_DATA_HOME: '' })), '/home/u/.local/share/jupyter/runtime');
  });

  it('does not use XDG_RUNTIME_DIR (jupyter_core 4.12 and 5.x do not)', () => {
    assert.equal(jupyterRuntimeDir(linux({ XDG_RUNTIME_DIR: '/run/user/1000' })), '/home/u/.local/share/jupyter/runtime');
  });

  it('JUPYTER_DATA_DIR wins over XDG_DATA_HOME: <data dir>/runtime', () => {
    assert.equal(jupyterDataDir(linux({ JUPYTER_DATA_DIR: '/path/d', XDG_DATA_HOME: '/xdg' })), '/path/d');
    assert.equal(jupyterRuntimeDir(linux({ JUPYTER_DATA_DIR: '/path/d', XDG_DATA_HOME: '/xdg' })), '/path/d/runtime');
  });

  it('JUPYTER_RUNTIME_DIR wins over everything; an empty one is ignored', () => {
    assert.equal(jupyterRuntimeDir(linux({ JUPYTER_RUNTIME_DIR: '/path/x', JUPYTER_DATA_DIR: '/path/d' })), '/path/x');
    assert.equal(jupyterRuntimeDir(linux({ JUPYTER_RUNTIME_DIR: '', JUPYTER_DATA_DIR: '/path/d' })), '/path/d/runtime');
  });

  it('JUPYTER_PLATFORM_DIRS changes nothing on linux', () => {
    assert.equal(jupyterRuntimeDir(linux({ JUPYTER_PLATFORM_DIRS: '1' })), '/home/u/.local/share/jupyter/runtime');
    assert.equal(jupyterRuntimeDir(linux({ JUPYTER_PLATFORM_DIRS: '1', XDG_DATA_HOME: '/xdg' })), '/xdg/jupyter/runtime');
  });
});

describe('discovery/runtimeDirs: darwin', () => {
  it('defaults to ~/Library/Jupyter/runtime and ignores XDG_DATA_HOME', () => {
    assert.equal(jupyterRuntimeDir(darwin({ XDG_DATA_HOME: '/xdg' })), '/Users/u/Library/Jupyter/runtime');
  });

  it('with JUPYTER_PLATFORM_DIRS uses platformdirs: ~/Library/Application Support/Jupyter/runtime', () => {
    assert.equal(jupyterRuntimeDir(darwin({ JUPYTER_PLATFORM_DIRS: '1' })), '/Users/u/Library/Application Support/Jupyter/runtime');
  });

  // jupyter_core's envset(): set means any value other than no, n, false, off, 0, 0.0 (case-insensitive).
  for (const v of ['1', 'true', 'TRUE', 'yes', 'y', 'on', '2', '']) {
    it(`JUPYTER_PLATFORM_DIRS=${JSON.stringify(v)} counts as set`, () => {
      assert.equal(jupyterDataDir(darwin({ JUPYTER_PLATFORM_DIRS: v })), '/Users/u/Library/Application Support/Jupyter');
    });
  }
  for (const v of ['0', 'no', 'NO', 'n', 'false', 'False', 'off', '0.0']) {
    it(`JUPYTER_PLATFORM_DIRS=${JSON.stringify(v)} counts as unset`, () => {
      assert.equal(jupyterDataDir(darwin({ JUPYTER_PLATFORM_DIRS: v })), '/Users/u/Library/Jupyter');
    });
  }
});

describe('discovery/runtimeDirs: win32', () => {
  it('uses %APPDATA%\\jupyter\\runtime', () => {
    assert.equal(
      jupyterRuntimeDir(win({ APPDATA: 'C:\\Users\\u\\AppData\\Roaming', LOCALAPPDATA: 'C:\\Users\\u\\AppData\\Local' })),
      'C:\\Users\\u\\AppData\\Roaming\\jupyter\\runtime',
    );
  });

  it('without APPDATA falls back to <config dir>\\data\\runtime (JUPYTER_CONFIG_DIR or ~\\.jupyter)', () => {
    assert.equal(jupyterRuntimeDir(win()), 'C:\\Users\\u\\.jupyter\\data\\runtime');
    assert.equal(jupyterRuntimeDir(win({ JUPYTER_CONFIG_DIR: 'D:\\cfg' })), 'D:\\cfg\\data\\runtime');
  });

  it('with JUPYTER_PLATFORM_DIRS uses %LOCALAPPDATA%\\Jupyter\\runtime (not roaming)', () => {
    assert.equal(
      jupyterRuntimeDir(win({ JUPYTER_PLATFORM_DIRS: '1', APPDATA: 'C:\\Users\\u\\AppData\\Roaming', LOCALAPPDATA: 'C:\\Users\\u\\AppData\\Local' })),
      'C:\\Users\\u\\AppData\\Local\\Jupyter\\runtime',
    );
    assert.equal(jupyterRuntimeDir(win({ JUPYTER_PLATFORM_DIRS: '1' })), 'C:\\Users\\u\\AppData\\Local\\Jupyter\\runtime');
  });

  it('JUPYTER_DATA_DIR and JUPYTER_RUNTIME_DIR win', () => {
    assert.equal(jupyterRuntimeDir(win({ JUPYTER_DATA_DIR: 'D:\\data', APPDATA: 'C:\\x' })), 'D:\\data\\runtime');
    assert.equal(jupyterRuntimeDir(win({ JUPYTER_RUNTIME_DIR: 'D:\\rt', JUPYTER_DATA_DIR: 'D:\\data' })), 'D:\\rt');
  });
});

describe('discovery/runtimeDirs: runtimeDirsToScan', () => {
  it('on linux both layouts are the same dir: scanned once', () => {
    assert.deepEqual(runtimeDirsToScan(linux()), ['/home/u/.local/share/jupyter/runtime']);
  });

  it('on darwin scans the dir jupyter_core would use first, then the other layout', () => {
    assert.deepEqual(runtimeDirsToScan(darwin()), ['/Users/u/Library/Jupyter/runtime', '/Users/u/Library/Application Support/Jupyter/runtime']);
    assert.deepEqual(runtimeDirsToScan(darwin({ JUPYTER_PLATFORM_DIRS: '1' })), [
      '/Users/u/Library/Application Support/Jupyter/runtime',
      '/Users/u/Library/Jupyter/runtime',
    ]);
  });

  it('on win32 scans %APPDATA% and %LOCALAPPDATA% layouts', () => {
    assert.deepEqual(runtimeDirsToScan(win({ APPDATA: 'C:\\R', LOCALAPPDATA: 'C:\\L' })), ['C:\\R\\jupyter\\runtime', 'C:\\L\\Jupyter\\runtime']);
  });

  it('an explicit JUPYTER_RUNTIME_DIR or JUPYTER_DATA_DIR is the only default dir (no other layout guessed)', () => {
    assert.deepEqual(runtimeDirsToScan(darwin({ JUPYTER_RUNTIME_DIR: '/rt' })), ['/rt']);
    assert.deepEqual(runtimeDirsToScan(darwin({ JUPYTER_DATA_DIR: '/d' })), ['/d/runtime']);
  });

  it('appends extra dirs and drops duplicates, also spelled differently', () => {
    const dirs = runtimeDirsToScan(linux(), [
      '/home/u/.local/share/jupyter/runtime/',
      '/home/u/.local/share/jupyter/../jupyter/runtime',
      '/tmp/rt',
      '/tmp/rt/',
      '/srv/other',
    ]);
    assert.deepEqual(dirs, ['/home/u/.local/share/jupyter/runtime', '/tmp/rt', '/srv/other']);
  });

  it('dedupes case-insensitively on win32 only', () => {
    assert.deepEqual(runtimeDirsToScan(win({ APPDATA: 'C:\\R', LOCALAPPDATA: 'C:\\R' }), ['c:\\r\\JUPYTER\\Runtime\\', 'D:\\x']), [
      'C:\\R\\jupyter\\runtime',
      'D:\\x',
    ]);
    assert.deepEqual(runtimeDirsToScan(linux({ JUPYTER_RUNTIME_DIR: '/rt' }), ['/RT']), ['/rt', '/RT']);
  });
});
