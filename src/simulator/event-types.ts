/** The simulator serves the platform's own event types (one list, in the source module). */
export * from '../core/event-types.js';
