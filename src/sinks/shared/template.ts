import type { PipelineRecord } from '../../core/record.js';

/**
 * The template core the http and kafka sinks share: literal text with `{placeholder}`s filled
 * from values known before the record is parsed (its source coordinates) or extracted by the
 * splitter (event_id). Each sink names the placeholders it allows.
 */
export type Placeholder = 'event_type' | 'event_type_lower' | 'principal_id' | 'source' | 'event_id';

export type TemplatePart<P extends Placeholder> = { readonly literal: string } | { readonly placeholder: P };

const PLACEHOLDER = /\{([^{}]*)\}/g;

/**
 * Splits a template into literal text and placeholders from `known`, with its problems (unknown
 * placeholders, stray braces). The sinks word them a little differently: `quoteTemplate` names
 * the template in the unknown-placeholder message; `braceProblemPerPart` reports each literal
 * part with a stray brace (kafka) rather than one problem for the template (http).
 */
export function parseTemplate<P extends Placeholder>(
  template: string,
  known: readonly P[],
  wording: { quoteTemplate: boolean; braceProblemPerPart: boolean },
): { parts: TemplatePart<P>[]; problems: string[] } {
  const parts: TemplatePart<P>[] = [];
  const problems: string[] = [];
  let last = 0;
  for (const m of template.matchAll(PLACEHOLDER)) {
    const name = m[1] ?? '';
    if (m.index > last) parts.push({ literal: template.slice(last, m.index) });
    if ((known as readonly string[]).includes(name)) parts.push({ placeholder: name as P });
    else {
      const where = wording.quoteTemplate ? ` in "${template}"` : '';
      problems.push(
        `unknown placeholder {${name}}${where} (known: ${known.map((p) => `{${p}}`).join(', ')})`,
      );
    }
    last = m.index + m[0].length;
  }
  if (last < template.length) parts.push({ literal: template.slice(last) });
  const stray = parts.filter((p) => 'literal' in p && /[{}]/.test(p.literal)).length;
  const braceProblems = wording.braceProblemPerPart ? stray : Math.min(stray, 1);
  for (let i = 0; i < braceProblems; i++) problems.push(`unbalanced brace in "${template}"`);
  return { parts, problems };
}

/** The value a placeholder stands for in one record. */
export function placeholderValue(record: PipelineRecord, name: Placeholder): string {
  switch (name) {
    case 'event_type':
      return record.source.eventType;
    case 'event_type_lower':
      return record.source.eventType.toLowerCase();
    case 'principal_id':
      return record.source.principalId;
    case 'source':
      return record.source.source;
    case 'event_id':
      return record.eventId ?? '';
  }
}
