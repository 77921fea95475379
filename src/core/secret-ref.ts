import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { CfError } from './errors/index.js';
import { Secret } from './secret.js';

/**
 * Where a secret comes from. In the config file a secret is never written inline by default:
 * `{ env: NAME }` reads an environment variable, `{ file: PATH }` reads a file (Kubernetes
 * Secret volumes), trailing newline removed. `{ value }` exists for tests and throwaway setups.
 */
export const secretRefSchema = z
  .union([
    z.strictObject({ env: z.string().min(1) }),
    z.strictObject({ file: z.string().min(1) }),
    z.strictObject({ value: z.string().min(1) }),
  ])
  .meta({ description: 'A secret: { env: VAR } or { file: /path } (or { value } for tests).', secret: true });

export type SecretRef = z.infer<typeof secretRefSchema>;

/**
 * Resolves a secret reference. `what` names the secret in the error ("the HEC token"); the
 * error never contains the value.
 */
export function resolveSecret(ref: SecretRef, what: string, env: NodeJS.ProcessEnv = process.env): Secret {
  if ('value' in ref) return new Secret(ref.value);
  if ('env' in ref) {
    const v = env[ref.env];
    if (v === undefined || v === '') {
      throw new CfError(
        'CF_ERR_SECRET_MISSING',
        `${what} is missing: environment variable ${ref.env} is not set.`,
      );
    }
    return new Secret(v);
  }
  let text: string;
  try {
    text = readFileSync(ref.file, 'utf8');
  } catch (err) {
    throw new CfError('CF_ERR_SECRET_MISSING', `${what} is missing: cannot read ${ref.file}.`, {
      cause: err,
    });
  }
  const v = text.replace(/\r?\n$/, '');
  if (v === '') throw new CfError('CF_ERR_SECRET_MISSING', `${what} is missing: ${ref.file} is empty.`);
  return new Secret(v);
}

/**
 * The usual rule for a secret named by an environment variable: `NAME` or `NAME_FILE`
 * (e.g. COMPLIANCE_API_KEY / COMPLIANCE_API_KEY_FILE). Undefined when neither is set.
 */
export function secretFromEnv(name: string, env: NodeJS.ProcessEnv = process.env): SecretRef | undefined {
  if (env[name]) return { env: name };
  const file = env[`${name}_FILE`];
  if (file) return { file };
  return undefined;
}
