import type { PipelineRecord } from '../../core/record.js';

/**
 * Header and tag templates: literal text with `{placeholder}`s filled from a record's source
 * coordinates. Only values known before the record is parsed can be named, and they are the same
 * for every record of one event type and principal, so a rendered set is cached per pair.
 *
 *   openai/compliance/{event_type_lower}  ->  openai/compliance/conversation_message
 */
export const HTTP_TEMPLATE_PLACEHOLDERS = [
  'event_type',
  'event_type_lower',
  'principal_id',
  'source',
] as const;

type Placeholder = (typeof HTTP_TEMPLATE_PLACEHOLDERS)[number];
type Part = string | { readonly placeholder: Placeholder };

const PLACEHOLDER = /\{([^{}]*)\}/g;

function parse(template: string): { parts: Part[]; problems: string[] } {
  const parts: Part[] = [];
  const problems: string[] = [];
  let last = 0;
  for (const m of template.matchAll(PLACEHOLDER)) {
    const name = m[1] ?? '';
    if (m.index > last) parts.push(template.slice(last, m.index));
    if ((HTTP_TEMPLATE_PLACEHOLDERS as readonly string[]).includes(name)) {
      parts.push({ placeholder: name as Placeholder });
    } else {
      const known = HTTP_TEMPLATE_PLACEHOLDERS.map((p) => `{${p}}`).join(', ');
      problems.push(`unknown placeholder {${name}} in "${template}" (known: ${known})`);
    }
    last = m.index + m[0].length;
  }
  if (last < template.length) parts.push(template.slice(last));
  if (parts.some((p) => typeof p === 'string' && /[{}]/.test(p))) {
    problems.push(`unbalanced brace in "${template}"`);
  }
  return { parts, problems };
}

/** Problems with a template (unknown placeholders, stray braces); empty when it is usable. */
export function templateProblems(template: string): string[] {
  return parse(template).problems;
}

/** A parsed template; `render` fills it from a record's source. */
export class Template {
  private readonly parts: Part[];
  constructor(readonly text: string) {
    this.parts = parse(text).parts;
  }

  /** True when the template names no placeholder: the same text for every record. */
  get fixed(): boolean {
    return this.parts.every((p) => typeof p === 'string');
  }

  render(record: PipelineRecord): string {
    let out = '';
    for (const p of this.parts) {
      if (typeof p === 'string') out += p;
      else out += placeholderValue(p.placeholder, record);
    }
    return out;
  }
}

function placeholderValue(name: Placeholder, record: PipelineRecord): string {
  switch (name) {
    case 'event_type':
      return record.source.eventType;
    case 'event_type_lower':
      return record.source.eventType.toLowerCase();
    case 'principal_id':
      return record.source.principalId;
    case 'source':
      return record.source.source;
  }
}
