import type { Scenario } from '../../lib/result.js';
import { runThroughput } from '../../lib/throughput.js';

/** Export into JSON Lines files (fsynced before acknowledging), baselines writing a file too. */
export const scenario: Scenario = {
  name: 'simulator_to_file',
  run: (ctx) => runThroughput(ctx, 'file'),
};
