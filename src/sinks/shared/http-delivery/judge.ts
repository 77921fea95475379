/** Statuses worth retrying as they are: timeout, throttled, and server errors but 501 (never will). */
export function retryableStatus(status: number): boolean {
  return status === 408 || status === 429 || (status >= 500 && status <= 599 && status !== 501);
}

const EXCERPT_MAX_CHARS = 300;

/** The start of an answer's body on one line, for messages (it may be a proxy's HTML page). */
export function answerExcerpt(text: string, maxChars = EXCERPT_MAX_CHARS): string | undefined {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  if (oneLine === '') return undefined;
  return oneLine.length > maxChars ? `${oneLine.slice(0, maxChars)}…` : oneLine;
}
