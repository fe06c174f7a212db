/**
 * What a connection to the embedded broker must get through before aedes sees it (issue #19).
 * aedes (1.2) buffers whatever a packet's fixed header announces, up to 256 MB, before it
 * parses the packet, so an unauthenticated CONNECT could make the server hold 256 MB per socket.
 * So, on the socket itself:
 *   - at most `maxPerAddress` connections at once from one remote address, or IPv6 /64 (0 = no cap);
 *   - the whole first packet within `connectTimeoutMs` of the TCP accept (TLS handshake included);
 *   - the first packet is a CONNECT (first byte 0x10, MQTT 3.1.1 §3.1.1) of at most
 *     `maxConnectBytes`, read from the fixed header before its body is buffered;
 *   - every later packet at most `maxPacketBytes` (aedes has no packet size limit of its own).
 * Only fixed headers are read (type byte, remaining length); aedes parses everything else.
 * A refused connection is destroyed at once, logged (one warning per address and reason
 * every 10 s, the rest at debug) and counted by the caller's onRefuse.
 */
import net from 'node:net';
import tls from 'node:tls';
import type { Logger } from '../log.js';

export interface GuardLimits {
  maxConnectBytes: number;
  maxPacketBytes: number;
  connectTimeoutMs: number;
  /** 0 = no cap (the loopback listener of the server's own clients). */
  maxPerAddress: number;
}

export const GUARD_REFUSALS = ['too_many_connections', 'connect_timeout', 'not_connect', 'malformed', 'connect_too_large', 'packet_too_large'] as const;
export type GuardRefusal = (typeof GUARD_REFUSALS)[number];

/** Largest remaining length MQTT can encode (4 bytes of 7 bits, §2.2.3). */
export const MAX_REMAINING_LENGTH = 268_435_455;

/**
 * The remaining-length varint of a fixed header starting at buf[offset] (the byte after the
 * type byte): its value and its size in bytes, `incomplete` when buf (or `end`) ends inside it, or
 * `malformed` when a 4th byte still has the continuation bit (MQTT 3.1.1 §2.2.3).
 */
export function readRemainingLength(buf: Uint8Array, offset = 0, end = buf.length): { value: number; bytes: number } | 'incomplete' | 'malformed' {
  let value = 0;
  for (let i = 0; i < 4; i++) {
    if (offset + i >= end) return 'incomplete';
    const b = buf[offset + i]!;
    value += (b & 0x7f) * 128 ** i;
    if ((b & 0x80) === 0) return { value, bytes: i + 1 };
  }
  return 'malformed';
}

/** Checks one fixed header: the index of the packet on the connection, its type byte and remaining length. */
export function checkHeader(index: number, first: number, length: number, limits: Pick<GuardLimits, 'maxConnectBytes' | 'maxPacketBytes'>): GuardRefusal | null {
  if (index === 0) {
    if (first !== 0x10) return 'not_connect';
    return length > limits.maxConnectBytes ? 'connect_too_large' : null;
  }
  return length > limits.maxPacketBytes ? 'packet_too_large' : null;
}

/**
 * Follows packet boundaries through a byte stream fed in chunks of any size, reading only
 * fixed headers. Each header is checked as soon as its last byte arrives.
 */
export class PacketScanner {
  /** Fixed headers read so far. */
  packets = 0;
  /** Packets received whole (header and body). */
  complete = 0;
  /** Body bytes of the current packet still to come. */
  private left = 0;
  /** The fixed header being read (type byte + up to 4 length bytes). */
  private readonly header = new Uint8Array(5);
  private headerLen = 0;
  /** Announced remaining length of the last header (for the log). */
  announced = 0;

  constructor(private readonly check: (index: number, first: number, length: number) => GuardRefusal | null) {}

  /** Consumes a chunk; returns a refusal as soon as a header fails its check or is malformed. */
  feed(chunk: Uint8Array): GuardRefusal | null {
    let i = 0;
    while (i < chunk.length) {
      if (this.left > 0) {
        const n = Math.min(this.left, chunk.length - i);
        this.left -= n;
        i += n;
        if (this.left === 0) this.complete++;
        continue;
      }
      this.header[this.headerLen++] = chunk[i++]!;
      if (this.headerLen === 1) continue;
      const rl = readRemainingLength(this.header, 1, this.headerLen);
      if (rl === 'malformed') return 'malformed';
      if (rl === 'incomplete') continue;
      this.announced = rl.value;
      const refusal = this.check(this.packets++, this.header[0]!, rl.value);
      if (refusal) return refusal;
      this.left = rl.value;
      this.headerLen = 0;
      if (rl.value === 0) this.complete++;
    }
    return null;
  }
}

/**
 * What the per-address cap counts: an IPv4 address (also when IPv4-mapped, ::ffff:a.b.c.d),
 * or an IPv6 address's /64, since one host commonly has a whole /64 to pick addresses from.
 */
export function addressKey(address: string | undefined): string {
  if (!address) return 'unknown';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1]!;
  if (!net.isIPv6(address)) return address;
  const [head = '', tail] = address.split('%')[0]!.split('::') as [string, string | undefined];
  const left = head ? head.split(':') : [];
  const right = tail === undefined ? [] : tail ? tail.split(':') : [];
  const groups = tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return `${groups
    .slice(0, 4)
    .map((g) => parseInt(g, 16).toString(16))
    .join(':')}::/64`;
}

export interface GuardedServer {
  server: net.Server;
  /** Stops listening and destroys connections aedes has not been given yet. */
  close(): Promise<void>;
}

/**
 * A net (or, with `tls`, TLS) server whose connections reach `handle` (aedes.handle) only
 * once their first packet is a complete CONNECT within the limits; later packets are watched
 * for size. `onRefuse` gets the reason and the bytes read from the socket until the refusal.
 */
export function createGuardedServer(o: {
  limits: GuardLimits;
  handle: (stream: net.Socket) => void;
  tls?: tls.TlsOptions;
  log: Logger;
  onRefuse?: (reason: GuardRefusal, bytesRead: number) => void;
  /** Connections open on this server, at each change. */
  onOpen?: (open: number) => void;
}): GuardedServer {
  const { limits, log } = o;
  const perAddress = new Map<string, number>();
  let open = 0;
  /** Accepted TCP sockets whose CONNECT has not fully arrived, with their deadline. */
  const pending = new Map<net.Socket, NodeJS.Timeout>();
  /** The same, by remote address and port: how a TLS socket finds its TCP socket. */
  const byPeer = new Map<string, net.Socket>();
  const peer = (s: net.Socket) => `${s.remoteAddress}|${s.remotePort}`;

  // One warning per address and reason every 10 s: a flood of refused connections must not flood the log too.
  const warned = new Map<string, number>();
  const refuse = (raw: net.Socket, reason: GuardRefusal, ctx: Record<string, unknown> = {}) => {
    const bytesRead = raw.bytesRead;
    const key = `${reason}|${raw.remoteAddress}`;
    const now = Date.now();
    const quiet = now - (warned.get(key) ?? -Infinity) < 10_000;
    if (!quiet) {
      if (warned.size > 10_000) warned.clear();
      warned.set(key, now);
    }
    log[quiet ? 'debug' : 'warn']({ reason, remoteAddress: raw.remoteAddress, bytesRead, ...ctx }, 'MQTT connection refused by the socket guard');
    o.onRefuse?.(reason, bytesRead);
    raw.destroy();
  };

  /** Every TCP connection, plain or TLS: the per-address cap and the CONNECT deadline. */
  const onTcp = (raw: net.Socket) => {
    raw.on('error', () => undefined); // resets are normal; aedes logs what happens after CONNECT
    const addr = addressKey(raw.remoteAddress);
    const n = (perAddress.get(addr) ?? 0) + 1;
    if (limits.maxPerAddress > 0 && n > limits.maxPerAddress) return refuse(raw, 'too_many_connections', { open: n - 1 });
    perAddress.set(addr, n);
    o.onOpen?.(++open);
    const key = peer(raw);
    byPeer.set(key, raw);
    pending.set(
      raw,
      setTimeout(() => refuse(raw, 'connect_timeout', { timeoutMs: limits.connectTimeoutMs }), limits.connectTimeoutMs),
    );
    raw.once('close', () => {
      o.onOpen?.(--open);
      const left = (perAddress.get(addr) ?? 1) - 1;
      if (left > 0) perAddress.set(addr, left);
      else perAddress.delete(addr);
      connected(raw);
      if (byPeer.get(key) === raw) byPeer.delete(key);
    });
  };
  /** The CONNECT arrived (or the socket closed): no deadline any more. */
  const connected = (raw: net.Socket) => {
    clearTimeout(pending.get(raw));
    pending.delete(raw);
  };

  /** Reads the first packet itself, then hands the stream, bytes put back, to aedes. */
  const onStream = (stream: net.Socket, raw: net.Socket) => {
    const check = (index: number, first: number, length: number) => checkHeader(index, first, length, limits);
    const scanner = new PacketScanner(check);
    const held: Buffer[] = [];
    const onData = (chunk: Buffer) => {
      held.push(chunk);
      const refusal = scanner.feed(chunk);
      if (refusal) {
        stream.off('data', onData);
        held.length = 0;
        return refuse(raw, refusal, { announcedBytes: scanner.announced });
      }
      if (scanner.complete === 0) return;
      // The whole CONNECT is here: stop reading, put it back and let aedes take over.
      stream.pause();
      stream.off('data', onData);
      connected(raw);
      stream.unshift(held.length === 1 ? held[0]! : Buffer.concat(held));
      held.length = 0;
      o.handle(stream);
      watch(stream, raw, check);
    };
    stream.on('data', onData);
  };

  /**
   * After the hand-over aedes reads the socket with read() on 'readable'; a 'data' listener
   * then sees each chunk read (it does not switch the socket to flowing mode) and checks
   * the size of every later packet from its header, before aedes buffers its body.
   */
  const watch = (stream: net.Socket, raw: net.Socket, check: (index: number, first: number, length: number) => GuardRefusal | null) => {
    const scanner = new PacketScanner(check);
    const onData = (chunk: Buffer) => {
      const refusal = scanner.feed(chunk);
      if (!refusal) return;
      stream.off('data', onData);
      refuse(raw, refusal, { announcedBytes: scanner.announced, packets: scanner.packets });
    };
    stream.on('data', onData);
    stream.once('close', () => stream.off('data', onData));
  };

  let server: net.Server;
  if (o.tls) {
    server = tls.createServer({ ...o.tls, handshakeTimeout: limits.connectTimeoutMs }, (s) => {
      const raw = byPeer.get(peer(s));
      if (!raw || raw.destroyed) return s.destroy();
      s.on('error', () => undefined);
      onStream(s, raw);
    });
    server.on('connection', onTcp);
    // A failed handshake (plain MQTT on the TLS port, a scanner): the socket is destroyed by tls.
    server.on('tlsClientError', () => undefined);
  } else {
    server = net.createServer((s) => {
      onTcp(s);
      if (!s.destroyed) onStream(s, s);
    });
  }

  o.onOpen?.(0);
  return {
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const raw of pending.keys()) raw.destroy();
      }),
  };
}
