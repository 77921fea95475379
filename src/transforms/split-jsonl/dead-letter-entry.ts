import { type DeadLetterEntry, deadLetterEntry } from '../../core/dead-letter.js';
import type { SourceRef } from '../../core/record.js';
import type { BadLine } from './types.js';

/** The dead-letter record for a bad line of a file: reason, code, file id and line number, text. */
export function badLineDeadLetter(bad: BadLine, source: SourceRef): DeadLetterEntry {
  return deadLetterEntry({
    stage: 'split',
    code: bad.code,
    reason: bad.reason,
    source,
    lineNumber: bad.lineNumber,
    size: bad.size,
    text: bad.text,
  });
}
