import { existsSync } from 'node:fs';
import kafkajs from 'kafkajs';
import { KMOCK_BIN, startKafkaBroker } from '../../../test/infra/kafka.js';
import {
  type Contender,
  forwarderContender,
  kafkaClients,
  kcatContender,
  rsyslogContender,
  syslogNgContender,
  type Target,
} from '../../lib/native-peers.js';
import { runFilesScenario } from '../../lib/native-peers-suite.js';
import type { Scenario } from '../../lib/result.js';

/**
 * files_to_kafka: the forwarder's `files` source replaying a JSONL archive (100 MB and 500 MB of
 * ~1.5 KB conversation records) into the Kafka-protocol broker (kmock), next to rsyslog (imfile +
 * mmjsonparse + omkafka), syslog-ng (file + json-parser + kafka-c) and kcat -P (the raw librdkafka
 * ceiling), all with acks=all, idempotence and no compression. With the librdkafka transport
 * (`--kafka-client`), the forwarder runs once per client.
 */
const kafkaSink = (client?: string) => (target: Target) => {
  if (target.kind !== 'kafka') throw new Error('files_to_kafka targets Kafka');
  return [
    '--sink',
    'kafka',
    '--kafka-brokers',
    target.bootstrap,
    '--kafka-topic',
    target.topic,
    '--kafka-compression',
    'none',
    '--kafka-acks',
    'all',
    ...(client === undefined ? [] : ['--kafka-client', client]),
  ];
};

export const scenario: Scenario = {
  name: 'files_to_kafka',
  run: (ctx) => {
    const clients = kafkaClients(ctx.cli);
    const forwarders: Contender[] =
      clients.length === 0
        ? [forwarderContender(ctx.cli, 'forwarder (files source)', kafkaSink())]
        : clients.map((c) => forwarderContender(ctx.cli, `forwarder (files source, ${c})`, kafkaSink(c)));
    return runFilesScenario(ctx, {
      into: 'Kafka',
      summary:
        'a JSONL archive replayed into a Kafka-protocol broker: the forwarder vs rsyslog, syslog-ng and kcat -P',
      receiverNote:
        'Receiver: kmock (librdkafka mock cluster, 3 brokers, test/infra/kafka.ts) on loopback, a fresh 3-partition topic per contender and run, counted by its high watermarks; acks=all, idempotent producers, no compression everywhere.',
      contenders: [
        ...forwarders,
        rsyslogContender('kafka', true),
        syslogNgContender(),
        rsyslogContender('kafka', false),
        kcatContender(),
      ],
      receiverProblem: existsSync(KMOCK_BIN)
        ? undefined
        : 'the Kafka-protocol broker test/infra/.build/kmock is not built (bash test/infra/install.sh)',
      async startReceiver() {
        const broker = await startKafkaBroker();
        const admin = new kafkajs.Kafka({
          brokers: broker.brokers,
          logLevel: kafkajs.logLevel.NOTHING,
        }).admin();
        await admin.connect();
        return {
          receiver: {
            async prepare(name) {
              await broker.control(`topic ${name} 3 3`);
              return { kind: 'kafka', bootstrap: broker.bootstrap, topic: name };
            },
            async count(target) {
              if (target.kind !== 'kafka') return 0;
              const offsets = await admin.fetchTopicOffsets(target.topic);
              return offsets.reduce((n, o) => n + Number(o.high), 0);
            },
          },
          async stop() {
            await admin.disconnect();
            await broker.stop();
          },
        };
      },
    });
  },
};
