import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CfError, classify } from '../core/errors/index.js';
import { redactSecrets } from '../core/secret.js';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';

/** What /readyz reports: `ready` decides the status (200 or 503); the rest is shown as JSON. */
export interface ReadinessReport {
  readonly ready: boolean;
  readonly [detail: string]: unknown;
}

export interface HealthServerOptions {
  readonly host: string;
  /** 0 picks a free port (see `HealthServer.port`). */
  readonly port: number;
  readonly metrics: Metrics;
  /** Evaluated on every /readyz request; a throw counts as not ready. */
  readiness(): ReadinessReport | Promise<ReadinessReport>;
  /** Called before /metrics renders, to refresh gauges that depend on the time (lag). */
  beforeScrape?(): void;
  readonly logger: Logger;
}

export interface HealthServer {
  readonly port: number;
  /** Stops listening and closes every connection, idle keep-alive ones included. Idempotent. */
  close(): Promise<void>;
}

/**
 * The service's HTTP endpoints (node:http, no framework):
 *   GET /healthz   liveness: 200 while the process serves requests at all
 *   GET /readyz    readiness: 200 or 503 with a JSON report of what is not ready
 *   GET /metrics   Prometheus text exposition of every metric (prom-client)
 * Nothing here reveals a secret: reports pass through redactSecrets as a last line of defence.
 * Rejects with CF_ERR_CONFIG when the address cannot be bound.
 */
export async function startHealthServer(options: HealthServerOptions): Promise<HealthServer> {
  const { logger } = options;
  const server = createServer((req, res) => {
    handle(req, res, options).catch((err: unknown) => {
      logger.warn({ err: classify(err), path: req.url }, 'Health endpoint failed.');
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', 'internal error\n');
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) =>
      reject(
        new CfError(
          'CF_ERR_CONFIG',
          `Cannot serve /healthz, /readyz and /metrics on ${options.host}:${options.port}: ${err.message}`,
          { cause: err },
        ),
      ),
    );
    server.listen(options.port, options.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  return {
    port,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  options: HealthServerOptions,
): Promise<void> {
  const path = (req.url ?? '/').split('?')[0];
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('allow', 'GET, HEAD');
    send(res, 405, 'text/plain; charset=utf-8', 'method not allowed\n');
    return;
  }
  switch (path) {
    case '/healthz':
    case '/livez':
      send(res, 200, 'text/plain; charset=utf-8', 'ok\n');
      return;
    case '/readyz': {
      let report: ReadinessReport;
      try {
        report = await options.readiness();
      } catch (err) {
        const e = classify(err);
        report = { ready: false, error: { code: e.code, message: e.message } };
      }
      const body = redactSecrets(`${JSON.stringify(report, null, 2)}\n`);
      send(res, report.ready ? 200 : 503, 'application/json; charset=utf-8', body);
      return;
    }
    case '/metrics': {
      options.beforeScrape?.();
      const text = await options.metrics.text();
      send(res, 200, options.metrics.registry.contentType, text);
      return;
    }
    default:
      send(res, 404, 'text/plain; charset=utf-8', 'not found: try /healthz, /readyz or /metrics\n');
  }
}

function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.statusCode = status;
  res.setHeader('content-type', contentType);
  res.setHeader('cache-control', 'no-store');
  res.setHeader('content-length', Buffer.byteLength(body));
  res.end(res.req.method === 'HEAD' ? undefined : body);
}
