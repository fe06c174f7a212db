/**
 * The app's HTTP(S) listener as one component: HTTPS with HTTPS_CERT/HTTPS_KEY, else HTTP,
 * on HOST:PORT. Made at construction (Socket.IO attaches to it before it listens), listening
 * from start(); stop() cuts every open connection, since one kept alive would hold close() open.
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import type { Config } from '../config.js';

export class HttpListener {
  readonly server: http.Server;
  private listening = false;

  constructor(
    private readonly config: Pick<Config, 'HOST' | 'PORT'>,
    app: Express,
    private readonly tls: { cert: Buffer; key: Buffer } | undefined,
  ) {
    this.server = tls ? https.createServer({ ...tls, minVersion: 'TLSv1.2' }, app) : http.createServer(app);
  }

  /** Listens; the URL a browser on this machine opens. */
  async start(): Promise<string> {
    const { config, server } = this;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err) => reject(new Error(`HTTP server cannot listen on ${config.HOST}:${config.PORT}: ${err.message}`)));
      server.listen(config.PORT, config.HOST, resolve);
    });
    this.listening = true;
    const port = (server.address() as AddressInfo).port;
    return `${this.tls ? 'https' : 'http'}://${config.HOST === '0.0.0.0' ? '127.0.0.1' : config.HOST}:${port}`;
  }

  async stop(): Promise<void> {
    if (!this.listening) return;
    await new Promise<void>((resolve) => {
      this.server.closeAllConnections();
      this.server.close(() => resolve());
    });
  }
}
