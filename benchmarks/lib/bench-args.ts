/** A bench script's `--key=value` arguments (`--flag` alone is the empty string). */
export function benchArgs(argv: readonly string[] = process.argv.slice(2)): Map<string, string> {
  return new Map(
    argv.map((a) => {
      const [k, v = ''] = a.replace(/^--/, '').split('=');
      return [k ?? '', v];
    }),
  );
}
