import type { Catalog } from '../catalog.js';
import type { SimClock } from '../clock.js';
import type { FaultDice, Faults } from '../faults.js';
import type { FileStore } from '../file-store.js';
import type { SimulatorStats } from '../stats.js';
import type { AuditLogEvents } from '../templates/audit-log-events.js';
import type { LegacyConversations } from '../templates/legacy-conversations.js';
import type { KeyRing } from './auth.js';
import type { RateLimiter } from './rate-limiter.js';
import type { UrlSigner } from './signed-url.js';

/** What the two origins share: the simulator's state, owned by the Simulator. */
export interface SimContext {
  readonly seedHash: number;
  readonly catalog: Catalog;
  readonly files: FileStore;
  readonly clock: SimClock;
  readonly keys: KeyRing;
  readonly limiter: RateLimiter;
  readonly signer: UrlSigner;
  readonly dice: FaultDice;
  readonly stats: SimulatorStats;
  /** The API Platform audit log (of the sample organization). */
  readonly auditLogs: AuditLogEvents;
  /** The legacy Compliance API conversations (any workspace). */
  readonly conversations: LegacyConversations;
  readonly shortPageRatio: number;
  /** How far back data goes from now. */
  readonly spanMs: number;
  /** The faults in force now (they change at run time). */
  faults(): Faults;
  /** `http://127.0.0.1:PORT` of the signed-URL origin. */
  downloadOrigin(): string;
  /** Whether /__control/* is served. */
  readonly controlEnabled: boolean;
  /** Applies a fault patch (already validated JSON); returns an error message when invalid. */
  patchFaults(input: unknown): string | undefined;
  resetFaults(): void;
}
