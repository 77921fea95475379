import type { Sink } from '../core/sink.js';

export interface Route {
  readonly eventTypes: readonly string[];
  readonly sinks: readonly string[];
}

/**
 * Which sinks a record goes to, by its event type. Event types that no route names go to every
 * sink. A record is delivered when every sink it was routed to acknowledged it.
 */
export class Router {
  private readonly byType = new Map<string, readonly Sink[]>();
  private readonly all: readonly Sink[];

  constructor(sinks: readonly Sink[], routes: readonly Route[] = []) {
    this.all = sinks;
    const byName = new Map(sinks.map((s) => [s.sinkName, s]));
    for (const route of routes) {
      const targets = route.sinks.map((n) => {
        const s = byName.get(n);
        if (s === undefined) throw new Error(`route names unknown sink ${n}`);
        return s;
      });
      for (const t of route.eventTypes) {
        const prev = this.byType.get(t) ?? [];
        this.byType.set(t, [...new Set([...prev, ...targets])]);
      }
    }
  }

  sinksFor(eventType: string): readonly Sink[] {
    return this.byType.get(eventType) ?? this.all;
  }

  get sinks(): readonly Sink[] {
    return this.all;
  }
}
