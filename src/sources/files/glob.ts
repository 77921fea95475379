import { readdir, stat } from 'node:fs/promises';
import { resolve, sep } from 'node:path';
import picomatch from 'picomatch';
import { glob } from 'tinyglobby';
import { CfError } from '../../core/errors/index.js';

const GLOB_CHARS = /[*?[{]/;

/** Code-unit order: the order files are replayed in, and how a resume compares paths. */
export function comparePaths(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * How patterns match: `**` any number of directories, `*`
 * and `?` within one name, `[abc]` / `[!abc]` classes, `{a,b}` alternatives; dot files match too,
 * and nothing else is syntax (no extglobs, no negation).
 */
const MATCH_OPTIONS = { posix: true, dot: true, noextglob: true, nonegate: true } as const;

/**
 * Archive names hold parentheses ("export (1).jsonl"), which picomatch reads as a regex group even
 * without extglobs: they are escaped, so they match themselves.
 */
function literalParens(glob: string): string {
  return glob.replace(/[()]/g, '\\$&');
}

/** A glob as a regular expression over `/`-separated relative paths (see MATCH_OPTIONS). */
export function globToRegExp(glob: string): RegExp {
  return picomatch.makeRe(literalParens(glob), MATCH_OPTIONS);
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
  let found: string[];
  try {
    // The walk below passes over unreadable directories; the base itself must be readable.
    await readdir(base);
    // Symbolic links are followed (archives are often linked into place); only files are named.
    found = await glob(literalParens(rest), {
      cwd: base,
      dot: true,
      followSymbolicLinks: true,
      onlyFiles: true,
      expandDirectories: false,
    });
  } catch (err) {
    throw new CfError(
      'CF_ERR_ARCHIVE_READ',
      `Cannot list ${base} for the pattern ${pattern}: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
  const files = found.map((rel) => (base === '/' ? `/${rel}` : `${base}/${rel}`)).sort(comparePaths);
  if (files.length === 0 && options.allowNoMatch !== true)
    throw new CfError('CF_ERR_ARCHIVE_READ', `The pattern ${pattern} matches no file.`);
  return files;
}
