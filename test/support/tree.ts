import { createHash, randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, lstatSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';

/** A regular file written into a test tree. */
export interface TreeFile {
  /** Path relative to the tree's root. */
  rel: string;
  content: Buffer;
}

export interface TestTree {
  root: string;
  /** Regular files that a scan must record (not excluded). */
  files: TreeFile[];
  /** Regular files matching the excludes: never recorded. */
  excluded: string[];
  /** The excludes to pass to `hoard scan`. */
  excludes: string[];
  symlink: string;
  fifo: string;
}

const scratch: string[] = [];

/** A temporary directory removed by `removeScratch()`. */
export function scratchDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  scratch.push(dir);
  return dir;
}

/** Removes every scratch directory, first giving back the permissions a test took away. */
export function removeScratch(): void {
  const unlock = (dir: string) => {
    chmodSync(dir, 0o700);
    for (const entry of readdirSync(dir, { withFileTypes: true })) if (entry.isDirectory()) unlock(join(dir, entry.name));
  };
  for (const dir of scratch.splice(0)) {
    try {
      unlock(dir);
    } catch {
      // already gone
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

export function sha256(content: Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}

function write(root: string, rel: string, content: Buffer): void {
  const path = join(root, rel);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
}

/**
 * Builds a tree with duplicates, empty files, names with spaces and non-ASCII characters, deep nesting, a symlink,
 * a FIFO, and files that the returned excludes leave out.
 */
export function buildTree(): TestTree {
  const root = scratchDir('hoard-tree-');
  const shared = randomBytes(100_000);
  const files: TreeFile[] = [
    { rel: 'a.txt', content: Buffer.from('alpha\n') },
    { rel: 'dup/one.bin', content: shared },
    { rel: 'dup/two.bin', content: shared },
    { rel: 'dup/nested/three.bin', content: shared },
    { rel: 'empty', content: Buffer.alloc(0) },
    { rel: 'more/empty too', content: Buffer.alloc(0) },
    { rel: 'with space/file name.txt', content: Buffer.from('spaces\n') },
    { rel: 'ünïcödé/日本語 ファイル.txt', content: Buffer.from('non-ascii\n') },
    { rel: 'd1/d2/d3/d4/d5/d6/d7/d8/d9/d10/d11/d12/deep.bin', content: randomBytes(5000) },
    { rel: 'big.bin', content: randomBytes(3 * 1024 * 1024 + 7) },
    { rel: 'logs/keep.txt', content: Buffer.from('kept\n') },
  ];
  for (let i = 0; i < 20; i++) files.push({ rel: `many/f${i}.dat`, content: randomBytes(1 + i * 97) });
  for (const f of files) write(root, f.rel, f.content);
  const excluded = ['logs/debug.log', 'node_modules/pkg/index.js', 'sub/node_modules/x.js', 'a.tmp'];
  for (const rel of excluded) write(root, rel, randomBytes(64));
  const symlink = join(root, 'link-to-a');
  symlinkSync('a.txt', symlink);
  const fifo = join(root, 'pipe');
  execFileSync('mkfifo', [fifo]);
  return { root, files, excluded, excludes: ['*.log', 'node_modules/', '*.tmp'], symlink, fifo };
}

/** Every regular file under `dir` with the SHA-256 of its content, relative paths sorted. */
export function readTree(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      const st = lstatSync(path);
      if (st.isDirectory()) walk(path);
      else if (st.isFile()) out.set(relative(dir, path), sha256(readFileSync(path)));
    }
  };
  walk(dir);
  return new Map([...out.entries()].sort(([a], [b]) => (a < b ? -1 : 1)));
}
