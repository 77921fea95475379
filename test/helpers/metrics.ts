import type { Metrics } from '../../src/telemetry/metrics.js';

/** Sum of a counter's values across label sets (`name` without the compliance_forwarder_ prefix). */
export async function counterTotal(metrics: Metrics, name: string): Promise<number> {
  const m = await metrics.registry.getSingleMetric(`compliance_forwarder_${name}`)?.get();
  return (m?.values ?? []).reduce((n, v) => n + v.value, 0);
}
