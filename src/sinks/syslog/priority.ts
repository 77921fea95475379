/**
 * Syslog facility and severity names (RFC 5424 section 6.2.1) and the PRI value they make.
 * Names follow the usual syslog.conf spelling; numbers are accepted too.
 */

export const FACILITIES = {
  kern: 0,
  user: 1,
  mail: 2,
  daemon: 3,
  auth: 4,
  syslog: 5,
  lpr: 6,
  news: 7,
  uucp: 8,
  cron: 9,
  authpriv: 10,
  ftp: 11,
  ntp: 12,
  audit: 13,
  alert: 14,
  clock: 15,
  local0: 16,
  local1: 17,
  local2: 18,
  local3: 19,
  local4: 20,
  local5: 21,
  local6: 22,
  local7: 23,
} as const;

export const SEVERITIES = {
  emerg: 0,
  alert: 1,
  crit: 2,
  err: 3,
  warning: 4,
  notice: 5,
  info: 6,
  debug: 7,
} as const;

export type FacilityName = keyof typeof FACILITIES;
export type SeverityName = keyof typeof SEVERITIES;

export const FACILITY_NAMES = Object.keys(FACILITIES) as [FacilityName, ...FacilityName[]];
export const SEVERITY_NAMES = Object.keys(SEVERITIES) as [SeverityName, ...SeverityName[]];

export function facilityCode(value: FacilityName | number): number {
  return typeof value === 'number' ? value : FACILITIES[value];
}

export function severityCode(value: SeverityName | number): number {
  return typeof value === 'number' ? value : SEVERITIES[value];
}

/** PRI = facility x 8 + severity (RFC 5424 section 6.2.1). */
export function priority(facility: number, severity: number): number {
  return facility * 8 + severity;
}
