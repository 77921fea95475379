/** Where a stream's delivered prefix ends: the checkpoint to persist. */
export interface WatermarkPosition {
  readonly endTime: string;
  readonly idsAtEndTime: readonly string[];
  readonly filesDelivered: number;
}
