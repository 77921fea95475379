import type { HeaderOptions } from '../../../../src/sinks/syslog/format.js';

/** Header settings the syslog tests share: facility user, severity info, fixed host and PROCID. */
export function headerOptions(overrides: Partial<HeaderOptions> = {}): HeaderOptions {
  return {
    facility: 1,
    severityOf: () => 6,
    hostname: 'fwd-1',
    appName: 'compliance-forwarder',
    procId: '42',
    msgId: undefined,
    sdId: 'cf@32473',
    bom: false,
    ...overrides,
  };
}
