import { datadogPreset } from './datadog.js';
import { jsonArrayPreset } from './json-array.js';
import { ndjsonPreset } from './ndjson.js';
import { secopsPreset } from './secops.js';
import { sumoPreset } from './sumo.js';
import type { HttpPreset, PresetName } from './types.js';

export type { AnswerClass, HttpPreset, PreparedPreset, PresetSecrets, PresetSettings } from './types.js';
export { PRESET_NAMES, type PresetName } from './types.js';

/** Every preset by name: one file each, pure data plus its encoder. */
export const PRESETS: Readonly<Record<PresetName, HttpPreset>> = {
  ndjson: ndjsonPreset,
  'json-array': jsonArrayPreset,
  sumo: sumoPreset,
  datadog: datadogPreset,
  secops: secopsPreset,
};
