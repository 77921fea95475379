import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { CfError, classify } from '../../core/errors/index.js';
import { abortedError } from './connect.js';
import { RetryBudget } from './retry.js';
import type { SyslogTransport, TransportHooks } from './transport.js';

export interface DatagramTarget {
  readonly host: string;
  readonly port: number;
  /** For messages: `udp://host:port`. */
  readonly label: string;
}

/**
 * UDP (RFC 5426): one message per datagram on a connected socket. Best effort by nature: a
 * datagram is "sent" once the kernel took it, and nothing tells whether the receiver got it (a
 * full receive buffer drops silently). What it does retry: sends the kernel refuses, such as
 * ECONNREFUSED after the receiver's port was found closed (ICMP port unreachable).
 */
export class DatagramTransport implements SyslogTransport {
  private socket: UdpSocket | undefined;
  private tail: Promise<unknown> = Promise.resolve();
  private readonly stop = new AbortController();
  private readonly signal: AbortSignal;
  private readonly budget: RetryBudget;

  constructor(
    private readonly target: DatagramTarget,
    private readonly hooks: TransportHooks,
  ) {
    this.signal = AbortSignal.any([hooks.signal, this.stop.signal]);
    this.budget = new RetryBudget(hooks, target.label, this.signal);
  }

  open(): Promise<void> {
    return this.serial(async () => {
      for (;;) {
        try {
          await this.ensureSocket();
          this.budget.succeeded();
          return;
        } catch (err) {
          const reason = classify(err);
          this.hooks.onState(false, reason);
          await this.budget.failed(reason);
        }
      }
    });
  }

  send(payload: readonly Buffer[]): Promise<void> {
    return this.serial(async () => {
      let pending = payload;
      while (pending.length > 0) {
        if (this.signal.aborted) throw abortedError(this.signal);
        let failure: { unsent: Buffer[]; error: unknown };
        try {
          failure = await this.sendAll(await this.ensureSocket(), pending);
        } catch (err) {
          failure = { unsent: [...pending], error: err };
        }
        if (failure.unsent.length === 0) break;
        pending = failure.unsent;
        await this.budget.failed(this.classifySendError(failure.error));
      }
      this.budget.succeeded();
    });
  }

  async close(): Promise<void> {
    await this.tail;
    this.destroy();
  }

  destroy(): void {
    this.stop.abort();
    const socket = this.socket;
    this.socket = undefined;
    if (socket !== undefined) {
      try {
        socket.close();
      } catch {
        // already closed
      }
    }
  }

  private serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.tail.then(task, task);
    this.tail = run.catch(() => {});
    return run;
  }

  private async ensureSocket(): Promise<UdpSocket> {
    if (this.socket !== undefined) return this.socket;
    let address: { address: string; family: number };
    try {
      address = await lookup(this.target.host);
    } catch (err) {
      throw new CfError('CF_ERR_SINK_CONNECT', `Cannot resolve ${this.target.label}.`, { cause: err });
    }
    const socket = createSocket(address.family === 6 ? 'udp6' : 'udp4');
    // Asynchronous errors (ICMP) come back through send callbacks; keep 'error' from throwing.
    socket.on('error', (err) => this.hooks.logger.debug({ err }, 'UDP socket error.'));
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.connect(this.target.port, address.address, () => {
        socket.off('error', reject);
        resolve();
      });
    }).catch((err: unknown) => {
      socket.close();
      throw new CfError('CF_ERR_SINK_CONNECT', `Cannot open a UDP socket to ${this.target.label}.`, {
        cause: err,
      });
    });
    this.socket = socket;
    this.hooks.onState(true);
    return socket;
  }

  /** Sends every datagram; returns those the kernel refused (in order) and the first error. */
  private sendAll(
    socket: UdpSocket,
    datagrams: readonly Buffer[],
  ): Promise<{ unsent: Buffer[]; error: unknown }> {
    return new Promise((resolve) => {
      const refused: Array<Buffer | undefined> = new Array(datagrams.length);
      let error: unknown;
      let left = datagrams.length;
      datagrams.forEach((datagram, i) => {
        socket.send(datagram, (err) => {
          if (err) {
            refused[i] = datagram;
            error ??= err;
          }
          if (--left === 0) resolve({ unsent: refused.filter((d) => d !== undefined), error });
        });
      });
    });
  }

  private classifySendError(err: unknown): CfError {
    const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
    if (code === 'EMSGSIZE') {
      return new CfError(
        'CF_ERR_RECORD_TOO_LARGE',
        `A datagram to ${this.target.label} is larger than the path allows (EMSGSIZE); lower messageMaxBytes.`,
        { cause: err },
      );
    }
    if (code === 'ECONNREFUSED') {
      this.hooks.onState(
        false,
        new CfError('CF_ERR_SINK_CONNECT', `${this.target.label} refused datagrams.`),
      );
    }
    return classify(err);
  }
}
