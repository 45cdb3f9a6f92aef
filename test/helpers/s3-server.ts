/**
 * A real S3-compatible server for integration tests: s3rver on 127.0.0.1, port 0, in a fresh
 * temp directory, started and stopped by the test. Clients use the credentials s3rver expects
 * (S3RVER/S3RVER), path-style addressing and checksums only when required (otherwise a
 * streamed PutObject is stored with its chunk framing inside).
 */
import crypto from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';

/** The part of s3rver (untyped, CommonJS) used here. */
interface S3rverInstance {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
  httpServer?: Server;
}
type S3rverClass = new (options: {
  address: string;
  port: number;
  silent: boolean;
  directory: string;
  resetOnClose: boolean;
}) => S3rverInstance;

const S3rver = createRequire(import.meta.url)('s3rver') as S3rverClass;

export interface S3TestServer {
  readonly endpoint: string;
  /** A new client for this server (the caller may destroy it; stop() destroys those left). */
  client(): S3Client;
  createBucket(name: string): Promise<void>;
  put(bucket: string, key: string, body: string | Uint8Array): Promise<void>;
  stop(): Promise<void>;
}

type CipherFactory = (algorithm: string, key: Buffer, iv: Buffer | null, ...rest: unknown[]) => unknown;

/**
 * s3rver 3.7.1 makes ListObjectsV2 continuation tokens with single DES ('des'), which OpenSSL 3
 * (Node >= 17) keeps in its legacy provider only: without help, every truncated listing (more
 * than 1,000 keys) answers 500 InternalError. Two-key triple DES with both keys equal is single
 * DES (E_K(D_K(E_K(x))) = E_K(x)), so 'des-ede-cbc' with the key doubled makes the same tokens.
 * s3rver runs in this process and calls crypto.createCipheriv at request time, so swapping the
 * function on the shared module object reaches it. Returns the undo.
 */
function s3rverDesShim(): () => void {
  const mod = crypto as unknown as { createCipheriv: CipherFactory; createDecipheriv: CipherFactory };
  const { createCipheriv, createDecipheriv } = mod;
  const swap = (original: CipherFactory): CipherFactory => (algorithm, key, iv, ...rest) =>
    algorithm === 'des' ? original('des-ede-cbc', Buffer.concat([key, key]), iv, ...rest) : original(algorithm, key, iv, ...rest);
  mod.createCipheriv = swap(createCipheriv);
  mod.createDecipheriv = swap(createDecipheriv);
  return () => {
    mod.createCipheriv = createCipheriv;
    mod.createDecipheriv = createDecipheriv;
  };
}

export async function startS3Server(): Promise<S3TestServer> {
  const restoreDes = s3rverDesShim();
  const directory = await mkdtemp(join(tmpdir(), 's3rver-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, resetOnClose: true });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const clients: S3Client[] = [];
  const client = (): S3Client => {
    const c = new S3Client({
      endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    clients.push(c);
    return c;
  };
  const admin = client();
  return {
    endpoint,
    client,
    async createBucket(name) {
      await admin.send(new CreateBucketCommand({ Bucket: name }));
    },
    async put(bucket, key, body) {
      await admin.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
    },
    async stop() {
      for (const c of clients) c.destroy();
      // Keep-alive sockets would hold close() open.
      server.httpServer?.closeAllConnections();
      await server.close();
      await rm(directory, { recursive: true, force: true });
      restoreDes();
    },
  };
}
