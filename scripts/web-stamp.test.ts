import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { webBuildReason, webSourcesHash, writeWebStamp } from './web-stamp.js';

let root: string;
const out = () => path.join(root, 'dist/web');
const put = (rel: string, text: string) => {
  fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
  fs.writeFileSync(path.join(root, rel), text);
};
/** what a successful build leaves: the apps and the stamp of the sources it read */
const built = () => {
  put('dist/web/index.html', '<!doctype html>');
  writeWebStamp(out(), webSourcesHash(root));
};

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'sg-stamp-'));
  put('web/src/visitor/App.vue', '<template>访客</template>');
  put('web/vite.config.ts', 'export default {}');
  put('contracts/errors.ts', 'export const E = 1;');
  put('package-lock.json', '{"lockfileVersion":3}');
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

describe('npm start builds the web apps only when their sources changed', () => {
  it('builds when there is no build, or an unstamped (interrupted) one', () => {
    expect(webBuildReason(root, out())).toBe('no build yet');
    put('dist/web/index.html', '<!doctype html>');
    expect(webBuildReason(root, out())).toBe('the last build is not stamped');
  });

  it('does not build again when nothing changed', () => {
    built();
    expect(webBuildReason(root, out())).toBeNull();
  });

  it('builds again after an edit, a new file, a removed file, a contracts change or new dependency versions', () => {
    const changes: Array<() => void> = [
      () => put('web/src/visitor/App.vue', '<template>访客端</template>'),
      () => put('web/src/shared/new.ts', 'export {}'),
      () => fs.rmSync(path.join(root, 'web/src/visitor/App.vue')),
      () => put('contracts/errors.ts', 'export const E = 2;'),
      () => put('web/vite.config.ts', 'export default { base: "/" }'),
      () => put('package-lock.json', '{"lockfileVersion":3,"packages":{}}'),
    ];
    for (const change of changes) {
      built();
      change();
      expect(webBuildReason(root, out())).toBe('sources changed');
    }
  });

  it('ignores what the build does not read: tests, dot-files, node_modules', () => {
    built();
    put('contracts/errors.test.ts', 'test');
    put('web/.DS_Store', 'x');
    put('web/node_modules/x/index.js', 'x');
    expect(webBuildReason(root, out())).toBeNull();
  });
});
