import { CfError } from '../../core/errors/index.js';
import { type SinkFlags, str } from './types.js';

export const fileFlags: SinkFlags = {
  kind: 'file',
  selector: 'out',
  options: { out: { type: 'string' }, gzip: { type: 'boolean' } },
  usage: `  --out DIR               file: output directory (implies --sink file)
  --gzip                  file: write .jsonl.gz`,
  build(flags) {
    const out = str(flags, 'out');
    if (out === undefined) throw new CfError('CF_ERR_USAGE', '--sink file needs --out DIR.');
    return { type: 'file', directory: out, ...(flags.gzip ? { gzip: true } : {}) };
  },
};
