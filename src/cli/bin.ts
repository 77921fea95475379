#!/usr/bin/env -S node --max-semi-space-size=8
// Small semi-spaces keep peak RSS flat on Node 22+: V8_START_FLAGS in v8-tuning.ts, a test checks this.
import { redactSecrets } from '../core/secret.js';
import type { CommandIo } from './command.js';
import { main } from './main.js';
import { applyV8Tuning } from './v8-tuning.js';

// Before anything runs: see v8-tuning.ts (no HTTP request has been made at this point).
applyV8Tuning();

// The first SIGINT/SIGTERM asks the running command to stop gracefully (flush, checkpoint);
// a second one exits at once. Checkpoints stay consistent either way: they are only ever
// replaced atomically.
const controller = new AbortController();
let signals = 0;
function onSignal(sig: NodeJS.Signals): void {
  signals++;
  if (signals > 1) process.exit(sig === 'SIGINT' ? 130 : 143);
  controller.abort(new Error(`received ${sig}`));
}
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

const io: CommandIo = {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
  isTty: Boolean(process.stderr.isTTY),
  signal: controller.signal,
};
/**
 * Once the command has returned, its work is flushed and checkpointed: nothing left may keep the
 * process alive. A library can (kafkajs retries a connection in the background after a stop
 * during start-up), which would make a pod ignore SIGTERM until the kubelet kills it. Exit when
 * the event loop empties, or after a short wait at the latest. stdout and stderr are synchronous
 * for files and pipes on Linux, so nothing written is cut off.
 */
function finish(code: number): void {
  process.exitCode = code;
  setTimeout(() => process.exit(code), 2_000).unref();
}

main(process.argv.slice(2), io).then(finish, (err: unknown) => {
  process.stderr.write(`compliance-forwarder: internal error: ${redactSecrets(String(err))}\n`);
  finish(1);
});
