/** Every scenario of the suite, in the order they run (and appear in the table and RESULTS.md). */
export const SCENARIOS = [
  'simulator_to_blackhole',
  'simulator_to_file',
  'big_file_memory',
  'concurrency_scaling',
  'rate_limited_replay',
  'cookbook_parity',
  'simulator_to_kafka',
  'simulator_to_splunk_hec',
  'simulator_to_http',
  'simulator_to_elasticsearch',
  'simulator_to_syslog',
  'proxy_overhead',
  'files_to_kafka',
  'files_to_syslog',
  'single_file_to_file',
] as const;
