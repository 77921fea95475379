import { readdir, stat } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { CfError } from '../../core/errors/index.js';

const GLOB_CHARS = /[*?[{]/;

/** Code-unit order: the order files are replayed in, and how a resume compares paths. */
export function comparePaths(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * A glob as a regular expression over `/`-separated relative paths: `**` any number of
 * directories, `*` and `?` within one name, `[abc]` / `[!abc]` classes, `{a,b}` alternatives.
 */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  let inClass = false;
  let braces = 0;
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (inClass) {
      if (c === ']') inClass = false;
      re += c === '\\' ? '\\\\' : c;
      continue;
    }
    if (c === '*') {
      if (glob[i + 1] === '*') {
        const slash = glob[i + 2] === '/';
        re += slash ? '(?:.*/)?' : '.*';
        i += slash ? 2 : 1;
      } else {
        re += '[^/]*';
      }
    } else if (c === '?') re += '[^/]';
    else if (c === '[') {
      inClass = true;
      re += '[';
      if (glob[i + 1] === '!') {
        re += '^';
        i++;
      }
    } else if (c === '{') {
      braces++;
      re += '(?:';
    } else if (c === '}' && braces > 0) {
      braces--;
      re += ')';
    } else if (c === ',' && braces > 0) re += '|';
    else re += c.replace(/[.+^$()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

async function walk(dir: string, prefix: string, maxDepth: number, out: string[]): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true });
  for (const e of entries) {
    const rel = prefix === '' ? e.name : `${prefix}/${e.name}`;
    const full = join(dir, e.name);
    let isDir = e.isDirectory();
    let isFile = e.isFile();
    if (e.isSymbolicLink()) {
      const s = await stat(full).catch(() => undefined);
      isDir = s?.isDirectory() ?? false;
      isFile = s?.isFile() ?? false;
    }
    if (isFile) out.push(rel);
    else if (isDir && maxDepth > 1) await walk(full, rel, maxDepth - 1, out);
  }
}

/**
 * The files a pattern names, as absolute paths in replay order. A pattern without glob characters
 * must name a file. Fails with CF_ERR_ARCHIVE_READ when the pattern names a directory, matches
 * nothing, or its directory cannot be read: a replay that silently finds nothing would look like
 * success. With `allowNoMatch` (the service, which polls a directory files arrive in), a glob
 * matching nothing yet is an empty list; its directory must still be readable.
 */
export async function expandPattern(
  pattern: string,
  options: { readonly allowNoMatch?: boolean } = {},
): Promise<string[]> {
  const absolute = resolve(pattern).split(sep).join('/');
  if (!GLOB_CHARS.test(absolute)) {
    const s = await stat(absolute).catch((err: unknown) => {
      throw new CfError('CF_ERR_ARCHIVE_READ', `Cannot read ${absolute}: ${(err as Error).message}`, {
        cause: err,
      });
    });
    if (!s.isFile()) {
      throw new CfError(
        'CF_ERR_ARCHIVE_READ',
        `${absolute} is not a file; name files with a pattern such as '${absolute}/**/*.jsonl.gz'.`,
      );
    }
    return [absolute];
  }
  const parts = absolute.split('/');
  const firstGlob = parts.findIndex((p) => GLOB_CHARS.test(p));
  const base = parts.slice(0, firstGlob).join('/') || '/';
  const rest = parts.slice(firstGlob).join('/');
  const depth = rest.includes('**') ? Number.POSITIVE_INFINITY : parts.length - firstGlob;
  const matcher = globToRegExp(rest);
  const found: string[] = [];
  try {
    await walk(base, '', depth, found);
  } catch (err) {
    throw new CfError(
      'CF_ERR_ARCHIVE_READ',
      `Cannot list ${base} for the pattern ${pattern}: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
  const files = found
    .filter((rel) => matcher.test(rel))
    .map((rel) => (base === '/' ? `/${rel}` : `${base}/${rel}`))
    .sort(comparePaths);
  if (files.length === 0 && options.allowNoMatch !== true)
    throw new CfError('CF_ERR_ARCHIVE_READ', `The pattern ${pattern} matches no file.`);
  return files;
}
