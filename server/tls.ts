/**
 * The certificate and key pairs the operator configured, read at start-up so that a missing
 * or half-set pair stops the server before anything starts (docs/security.md).
 */
import fs from 'node:fs';
import type { Config } from './config.js';

export interface TlsPair {
  cert: Buffer;
  key: Buffer;
}

function tlsPair(cert: string | undefined, key: string | undefined, what: string): TlsPair | undefined {
  if (!cert !== !key) throw new Error(`${what}: set both the certificate and the key, or neither`);
  return cert && key ? { cert: fs.readFileSync(cert), key: fs.readFileSync(key) } : undefined;
}

/** The embedded broker's mqtts listener and the HTTPS server; undefined: plain MQTT, plain HTTP. */
export function readTls(config: Pick<Config, 'MQTT_TLS_CERT' | 'MQTT_TLS_KEY' | 'HTTPS_CERT' | 'HTTPS_KEY'>): { mqtt: TlsPair | undefined; https: TlsPair | undefined } {
  return {
    mqtt: tlsPair(config.MQTT_TLS_CERT, config.MQTT_TLS_KEY, 'MQTT_TLS_CERT/MQTT_TLS_KEY'),
    https: tlsPair(config.HTTPS_CERT, config.HTTPS_KEY, 'HTTPS_CERT/HTTPS_KEY'),
  };
}
