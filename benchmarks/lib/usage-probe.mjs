// Preloaded into a measured child with `node --import <this file>`: when the process exits, it
// writes its own resource usage (CPU time, peak RSS) as JSON to the file named by
// BENCH_USAGE_FILE. The child is the real CLI or a baseline, unchanged; only this observer is
// added, so the figures are the child's alone (not the simulator's, not the runner's).
import { writeFileSync } from 'node:fs';

const target = process.env.BENCH_USAGE_FILE;
if (target) {
  process.once('exit', (code) => {
    const usage = process.resourceUsage();
    const report = {
      exitCode: code,
      userCpuSeconds: usage.userCPUTime / 1e6,
      systemCpuSeconds: usage.systemCPUTime / 1e6,
      // resourceUsage().maxRSS is in kilobytes (getrusage ru_maxrss on Linux).
      maxRssBytes: usage.maxRSS * 1024,
    };
    writeFileSync(target, `${JSON.stringify(report)}\n`);
  });
}
