import type { PipelineRecord } from '../../core/record.js';
import { parseTemplate, placeholderValue, type TemplatePart } from '../shared/template.js';

/**
 * Topic and key templates: literal text with `{placeholder}`s filled from each record.
 *
 *   openai.compliance.{event_type_lower}   ->  openai.compliance.conversation_message
 *   {event_id}                             ->  5d0c8a1e-...
 *
 * The placeholder set is small on purpose: everything a template can name is known before the
 * record is parsed (the file's coordinates) or already extracted by the splitter (event_id).
 */
export const TEMPLATE_PLACEHOLDERS = [
  'event_type',
  'event_type_lower',
  'principal_id',
  'source',
  'event_id',
] as const;

export type TemplatePlaceholder = (typeof TEMPLATE_PLACEHOLDERS)[number];

type Part = TemplatePart<TemplatePlaceholder>;

function parse(template: string): { parts: Part[]; problems: string[] } {
  return parseTemplate(template, TEMPLATE_PLACEHOLDERS, { quoteTemplate: false, braceProblemPerPart: true });
}

/** Problems with a template (unknown placeholders, stray braces); empty when it is usable. */
export function templateProblems(template: string): string[] {
  return parse(template).problems;
}

/**
 * Whether a rendering can differ between records of one file: only `{event_id}` is the record's
 * own; every other placeholder is the file's (its SourceRef).
 */
export function readsEachRecord(template: string): boolean {
  return parse(template).parts.some((p) => 'placeholder' in p && p.placeholder === 'event_id');
}

/** True when the template names no placeholder, i.e. renders the same for every record. */
export function isFixedTemplate(template: string): boolean {
  return parse(template).parts.every((p) => 'literal' in p);
}

/**
 * Compiles a template once; the returned function renders it for a record. `escapeValue`
 * transforms each substituted value (not the literal text), e.g. to keep topic names legal
 * whatever the upstream event type contains. Throws on a template with problems (the config
 * schema reports them first, with their path).
 */
export function compileTemplate(
  template: string,
  escapeValue: (value: string) => string = (v) => v,
): (record: PipelineRecord) => string {
  const { parts, problems } = parse(template);
  if (problems.length > 0) throw new Error(`Invalid template "${template}": ${problems.join('; ')}`);
  if (parts.every((p) => 'literal' in p)) {
    const fixed = template;
    return () => fixed;
  }
  return (record) => {
    let out = '';
    for (const p of parts)
      out += 'literal' in p ? p.literal : escapeValue(placeholderValue(record, p.placeholder));
    return out;
  };
}

/** Kafka's rule for topic names: 1 to 249 characters from [a-zA-Z0-9._-], and not "." or "..". */
export const TOPIC_NAME_MAX_LENGTH = 249;
const LEGAL_TOPIC = /^[a-zA-Z0-9._-]+$/;

/** Why `name` is not a legal Kafka topic name, or undefined when it is. */
export function topicNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'a topic name cannot be empty';
  if (name.length > TOPIC_NAME_MAX_LENGTH)
    return `a topic name has at most ${TOPIC_NAME_MAX_LENGTH} characters`;
  if (name === '.' || name === '..') return 'a topic name cannot be "." or ".."';
  if (!LEGAL_TOPIC.test(name)) return 'a topic name may only contain ASCII letters, digits, ".", "_" and "-"';
  return undefined;
}

/**
 * Replaces every character Kafka does not allow in a topic name with "_". Applied to values
 * substituted into the topic template, since event types and principal ids come from upstream.
 */
export function sanitizeTopicPart(value: string): string {
  const cleaned = value.replace(/[^a-zA-Z0-9._-]/g, '_');
  return cleaned === '' ? '_' : cleaned;
}

/** Makes a rendered topic legal as a whole: length cap, and never "." or "..". */
export function finalizeTopicName(name: string): string {
  const capped = name.length > TOPIC_NAME_MAX_LENGTH ? name.slice(0, TOPIC_NAME_MAX_LENGTH) : name;
  return capped === '.' || capped === '..' ? capped.replace(/\./g, '_') : capped;
}
