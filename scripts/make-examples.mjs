// Writes the sample Lambda events in examples/ from the readable subscription payloads in
// examples/src/: awslogs.data = base64(gzip(JSON)), as CloudWatch Logs delivers them, and one
// Kinesis event carrying several payloads. Run after editing examples/src: node scripts/make-examples.mjs
import { readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const encode = (name) => gzipSync(readFileSync(`examples/src/${name}.json`)).toString('base64');
const write = (name, event) => writeFileSync(`examples/${name}.json`, `${JSON.stringify(event, null, 2)}\n`);

for (const name of ['lambda-node', 'lambda-python', 'lambda-json-format']) {
  write(`cloudwatch-${name}`, { awslogs: { data: encode(name) } });
}
write('kinesis-cloudwatch', {
  Records: ['apigateway', 'control-message', 'lambda-python'].map((name, i) => ({
    kinesis: {
      kinesisSchemaVersion: '1.0',
      partitionKey: `partition-${i}`,
      sequenceNumber: `4959033827149025660855969253836157109592157598913658889${i}`,
      data: encode(name),
      approximateArrivalTimestamp: 1704067201.123 + i,
    },
    eventSource: 'aws:kinesis',
    eventVersion: '1.0',
    eventID: `shardId-000000000000:4959033827149025660855969253836157109592157598913658889${i}`,
    eventName: 'aws:kinesis:record',
    invokeIdentityArn: 'arn:aws:iam::123456789012:role/log-forwarder-role',
    awsRegion: 'us-east-1',
    eventSourceARN: 'arn:aws:kinesis:us-east-1:123456789012:stream/cwl-logs',
  })),
});
