import type { PipelineRecord } from '../../core/record.js';
import { parseTemplate, placeholderValue, type TemplatePart } from '../shared/template.js';

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

type HttpPlaceholder = (typeof HTTP_TEMPLATE_PLACEHOLDERS)[number];
type Part = TemplatePart<HttpPlaceholder>;

function parse(template: string): { parts: Part[]; problems: string[] } {
  return parseTemplate(template, HTTP_TEMPLATE_PLACEHOLDERS, {
    quoteTemplate: true,
    braceProblemPerPart: false,
  });
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
    return this.parts.every((p) => 'literal' in p);
  }

  render(record: PipelineRecord): string {
    let out = '';
    for (const p of this.parts) {
      out += 'literal' in p ? p.literal : placeholderValue(record, p.placeholder);
    }
    return out;
  }
}
