#!/usr/bin/env node
/**
 * `npm run package` (after `npm run build`): the deployable artifact.
 *
 *   .artifacts/forwarder.zip   dist/handler.mjs and dist/subscriber.mjs at the zip's root, as
 *                              template.yaml's handlers expect (handler.handler,
 *                              subscriber.handler). Source maps stay out: without
 *                              --enable-source-maps Lambda never reads them, and they would
 *                              quadruple what each cold start unzips.
 *   .artifacts/template.yaml   template.yaml with CodeUri pointing at that zip: relative
 *                              (forwarder.zip) for `sam deploy` / `aws cloudformation package`,
 *                              or s3://BUCKET/PREFIX/forwarder-<sha>.zip with --s3-bucket
 *   .artifacts/README.md, LICENSE   copied when present (the Serverless Application
 *                              Repository metadata names them)
 *
 * The zip is written here (stored or deflated entries, CRC-32, fixed 1980-01-01 timestamps,
 * mode 0644, sorted names) so that the same build gives the same bytes and CI needs no zip tool.
 * Format: PKWARE APPNOTE.TXT sections 4.3.7 (local header), 4.3.12 (central directory),
 * 4.3.16 (end of central directory).
 *
 * Usage: node scripts/package.mjs [--s3-bucket BUCKET] [--s3-prefix PREFIX] [--dist DIR] [--out DIR]
 * (--dist and --out replace dist/ and .artifacts/, for tests.)
 */
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { deflateRawSync } from 'node:zlib';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const ARTIFACTS = join(ROOT, '.artifacts');
export const ZIP_NAME = 'forwarder.zip';
/** What template.yaml's CodeUri says before packaging. */
export const SOURCE_CODE_URI = `.artifacts/${ZIP_NAME}`;
export const BUNDLES = ['handler.mjs', 'subscriber.mjs'];

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

export function crc32(buf) {
  let c = 0xffffffff;
  for (let i = 0; i < buf.length; i++) c = CRC_TABLE[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const DOS_TIME = 0; // 00:00:00
const DOS_DATE = (0 << 9) | (1 << 5) | 1; // 1980-01-01
const UNIX_FILE_0644 = (0o100644 << 16) >>> 0;

/** A zip archive of `entries` ({ name, data }), sorted by name; deflated when that is smaller. */
export function zip(entries) {
  const sorted = [...entries].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const locals = [];
  const centrals = [];
  let offset = 0;
  for (const { name, data } of sorted) {
    const nameBytes = Buffer.from(name, 'utf8');
    const deflated = deflateRawSync(data, { level: 9 });
    const method = deflated.length < data.length ? 8 : 0;
    const body = method === 8 ? deflated : data;
    const crc = crc32(data);

    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed: 2.0
    local.writeUInt16LE(0x0800, 6); // names are UTF-8
    local.writeUInt16LE(method, 8);
    local.writeUInt16LE(DOS_TIME, 10);
    local.writeUInt16LE(DOS_DATE, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    local.writeUInt16LE(0, 28);
    locals.push(local, nameBytes, body);

    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4); // made by: UNIX, 2.0 (so the mode below counts)
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt16LE(DOS_TIME, 12);
    central.writeUInt16LE(DOS_DATE, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    // extra length, comment length, disk number, internal attributes: 0
    central.writeUInt32LE(UNIX_FILE_0644, 38);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, nameBytes);

    offset += local.length + nameBytes.length + body.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(sorted.length, 8);
  end.writeUInt16LE(sorted.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

function parseArgs(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (['--s3-bucket', '--s3-prefix', '--dist', '--out'].includes(a) && argv[i + 1] !== undefined) out[a.slice(2)] = argv[++i];
    else throw new Error(`package: bad argument ${a}; usage: node scripts/package.mjs [--s3-bucket BUCKET] [--s3-prefix PREFIX] [--dist DIR] [--out DIR]`);
  }
  return out;
}

export function main(argv = process.argv.slice(2)) {
  const args = parseArgs(argv);
  const dist = args.dist ?? join(ROOT, 'dist');
  const out = args.out ?? ARTIFACTS;
  const missing = BUNDLES.filter((f) => !existsSync(join(dist, f)));
  if (missing.length > 0) throw new Error(`package: ${missing.map((f) => join(dist, f)).join(', ')} missing; run npm run build first`);

  const names = BUNDLES;
  const archive = zip(names.map((name) => ({ name, data: readFileSync(join(dist, name)) })));
  const sha = createHash('sha256').update(archive).digest('hex');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, ZIP_NAME), archive);

  const template = readFileSync(join(ROOT, 'template.yaml'), 'utf8');
  const occurrences = template.split(`CodeUri: ${SOURCE_CODE_URI}`).length - 1;
  if (occurrences === 0) throw new Error(`package: template.yaml has no "CodeUri: ${SOURCE_CODE_URI}"`);
  const bucket = args['s3-bucket'];
  const key = `${args['s3-prefix'] ? `${args['s3-prefix'].replace(/\/+$/, '')}/` : ''}forwarder-${sha.slice(0, 16)}.zip`;
  const codeUri = bucket === undefined ? ZIP_NAME : `s3://${bucket}/${key}`;
  writeFileSync(join(out, 'template.yaml'), template.replaceAll(`CodeUri: ${SOURCE_CODE_URI}`, `CodeUri: ${codeUri}`));
  for (const doc of ['README.md', 'LICENSE']) if (existsSync(join(ROOT, doc))) copyFileSync(join(ROOT, doc), join(out, doc));

  console.log(`${join(out, ZIP_NAME)}: ${names.join(', ')}; ${archive.length} bytes; sha256 ${sha}`);
  console.log(`${join(out, 'template.yaml')}: CodeUri ${codeUri} (${occurrences} functions)`);
  if (bucket !== undefined) console.log(`upload: aws s3 cp ${join(out, ZIP_NAME)} s3://${bucket}/${key}`);
  return { zip: join(out, ZIP_NAME), sha256: sha, entries: names };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    main();
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  }
}
