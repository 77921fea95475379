import { z } from 'zod';
import { resolveSecret, secretRefSchema } from '../core/secret-ref.js';
import { HttpEgress } from './proxy.js';

/**
 * The top-level `http` section: how every HTTP client of the process (the API sources, the
 * signed download host, the Splunk HEC sink) leaves the network. Kafka and syslog speak TCP and
 * never use it.
 */
export const httpConfigSchema = z
  .strictObject({
    proxy: z
      .strictObject({
        url: z.string().min(1).optional().meta({
          description:
            'Forward proxy for every HTTP(S) request, e.g. http://proxy.corp:3128; overrides HTTPS_PROXY/HTTP_PROXY. https targets go through a CONNECT tunnel. Credentials in the URL are accepted but better given as username/password.',
        }),
        noProxy: z.array(z.string().min(1)).optional().meta({
          description:
            'Targets that go direct, overriding NO_PROXY: host (and its subdomains), .domain or *.domain, host:port, an IP or CIDR range, or * for all.',
        }),
        username: z
          .string()
          .min(1)
          .optional()
          .meta({ description: 'Proxy user name (Basic authentication).' }),
        password: secretRefSchema.optional().meta({
          description: 'Proxy password: { env: VAR } or { file: /path }. Never logged.',
        }),
        env: z.boolean().default(true).meta({
          description:
            'Read HTTPS_PROXY, HTTP_PROXY and NO_PROXY (either case) when url or noProxy is not set.',
        }),
      })
      .prefault({})
      .meta({
        description:
          'Forward (egress) proxy for every HTTP(S) request: { url, noProxy: [...], username, password: { env | file }, env: true }. Unset, HTTPS_PROXY/HTTP_PROXY/NO_PROXY apply. See docs/operations.md, Behind an egress proxy.',
      }),
  })
  .meta({ description: 'Outbound HTTP of every source and HTTP sink.' });

export type HttpConfig = z.infer<typeof httpConfigSchema>;

/** The process's egress from the `http` section and the environment; the password is resolved now. */
export function httpEgressOf(
  config: HttpConfig | undefined,
  env: NodeJS.ProcessEnv = process.env,
): HttpEgress {
  const p = config?.proxy;
  if (p === undefined) return HttpEgress.create({}, env);
  return HttpEgress.create(
    {
      ...(p.url === undefined ? {} : { url: p.url }),
      ...(p.noProxy === undefined ? {} : { noProxy: p.noProxy }),
      ...(p.username === undefined ? {} : { username: p.username }),
      ...(p.password === undefined ? {} : { password: resolveSecret(p.password, 'The proxy password', env) }),
      env: p.env,
    },
    env,
  );
}
