import type { Scenario } from '../../lib/result.js';
import { runThroughput } from '../../lib/throughput.js';

/** The pipeline's own cost: export into a sink that acknowledges everything at once. */
export const scenario: Scenario = {
  name: 'simulator_to_blackhole',
  run: (ctx) => runThroughput(ctx, 'blackhole'),
};
