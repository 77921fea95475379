import type { DeadLetterEntry } from '../../core/dead-letter.js';
import type { SourceRef } from '../../core/record.js';
import type { BadLine } from './types.js';

/** The dead-letter record for a bad line of a file: reason, code, file id and line number, text. */
export function badLineDeadLetter(bad: BadLine, source: SourceRef): DeadLetterEntry {
  return {
    reason: bad.reason,
    code: bad.code,
    stage: 'split',
    source: {
      stream: source.stream,
      fileId: source.fileId,
      fileName: source.fileName,
      lineNumber: bad.lineNumber,
    },
    size: bad.size,
    text: bad.text,
  };
}
