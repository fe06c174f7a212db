/**
 * Pure logic of the embedded broker's guards (issue #19): the remaining-length varint of an
 * MQTT fixed header, the packet scanner that checks sizes from headers alone, and the rule
 * deciding which credentials own a client id. tests/integration/broker-security.test.ts
 * drives the same code through real sockets.
 */
import mqttPacket from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { clientIdOwner, MAX_CLIENT_ID } from '../../server/broker/auth.js';
import { addressKey, checkHeader, PacketScanner, readRemainingLength } from '../../server/broker/socket-guard.js';

const LIMITS = { maxConnectBytes: 256 * 1024, maxPacketBytes: 1024 * 1024 };
const scanner = () => new PacketScanner((i, first, len) => checkHeader(i, first, len, LIMITS));
const connect = (extra: Partial<mqttPacket.IConnectPacket> = {}) =>
  mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, clientId: 'cam-1', keepalive: 30, username: 'cam-1', password: Buffer.from('secret'), ...extra });
const publish = (bytes: number) => mqttPacket.generate({ cmd: 'publish', topic: 'ioc/v1/camera/cam-1/status', payload: Buffer.alloc(bytes, 0x61), qos: 1, messageId: 1, dup: false, retain: false });

describe('readRemainingLength (MQTT 3.1.1 §2.2.3)', () => {
  it('reads the boundary values of the specification table', () => {
    const cases: [number[], number][] = [
      [[0x00], 0],
      [[0x7f], 127],
      [[0x80, 0x01], 128],
      [[0xff, 0x7f], 16_383],
      [[0x80, 0x80, 0x01], 16_384],
      [[0xff, 0xff, 0x7f], 2_097_151],
      [[0x80, 0x80, 0x80, 0x01], 2_097_152],
      [[0xff, 0xff, 0xff, 0x7f], 268_435_455],
    ];
    for (const [bytes, value] of cases) expect(readRemainingLength(Uint8Array.from(bytes))).toEqual({ value, bytes: bytes.length });
  });

  it('reads at an offset, says incomplete mid-varint, malformed past 4 bytes', () => {
    expect(readRemainingLength(Uint8Array.from([0x10, 0x80, 0x01]), 1)).toEqual({ value: 128, bytes: 2 });
    expect(readRemainingLength(Uint8Array.from([0x80]))).toBe('incomplete');
    expect(readRemainingLength(Uint8Array.from([]))).toBe('incomplete');
    expect(readRemainingLength(Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0x01]))).toBe('malformed');
  });

  it('agrees with mqtt-packet on every packet it generates', () => {
    for (const n of [0, 100, 127, 128, 16_000, 16_384, 70_000, 2_100_000]) {
      const buf = publish(n);
      const rl = readRemainingLength(buf, 1);
      expect(rl).not.toBeTypeOf('string');
      const { value, bytes } = rl as { value: number; bytes: number };
      expect(1 + bytes + value).toBe(buf.length);
    }
  });
});

describe('PacketScanner', () => {
  it('accepts a CONNECT then packets under the limit, whatever the chunking', () => {
    const stream = Buffer.concat([connect(), publish(10), publish(17_000), mqttPacket.generate({ cmd: 'pingreq' }), publish(0)]);
    for (const size of [1, 2, 3, 7, 1000, stream.length]) {
      const s = scanner();
      for (let i = 0; i < stream.length; i += size) expect(s.feed(stream.subarray(i, i + size))).toBeNull();
      expect(s.packets).toBe(5);
      expect(s.complete).toBe(5);
    }
  });

  it('counts the CONNECT complete only when its last byte is in', () => {
    const c = connect();
    const s = scanner();
    s.feed(c.subarray(0, c.length - 1));
    expect([s.packets, s.complete]).toEqual([1, 0]);
    s.feed(c.subarray(c.length - 1));
    expect([s.packets, s.complete]).toEqual([1, 1]);
  });

  it('refuses a 10 MB CONNECT from its 5-byte fixed header alone', () => {
    const s = scanner();
    // 0x10, remaining length 10,485,760 = 0x80 0x80 0x80 0x05.
    expect(s.feed(Uint8Array.from([0x10, 0x80, 0x80, 0x80]))).toBeNull();
    expect(s.feed(Uint8Array.from([0x05]))).toBe('connect_too_large');
    expect(s.announced).toBe(10 * 1024 * 1024);
  });

  it('takes a CONNECT of exactly the limit, refuses one byte more', () => {
    expect(checkHeader(0, 0x10, LIMITS.maxConnectBytes, LIMITS)).toBeNull();
    expect(checkHeader(0, 0x10, LIMITS.maxConnectBytes + 1, LIMITS)).toBe('connect_too_large');
  });

  it('refuses a first packet that is not a CONNECT, and a malformed length', () => {
    expect(scanner().feed(publish(10))).toBe('not_connect');
    expect(scanner().feed(Buffer.from('GET / HTTP/1.1\r\n'))).toBe('not_connect');
    // CONNECT's reserved flags must be 0 (§3.1.1).
    expect(scanner().feed(Uint8Array.from([0x11, 0x00]))).toBe('not_connect');
    expect(scanner().feed(Uint8Array.from([0x10, 0xff, 0xff, 0xff, 0xff]))).toBe('malformed');
  });

  it('refuses a later packet over maxPacketBytes from its header', () => {
    const s = scanner();
    expect(s.feed(connect())).toBeNull();
    const big = publish(LIMITS.maxPacketBytes + 10);
    expect(s.feed(big.subarray(0, 8))).toBe('packet_too_large');
  });
});

describe('clientIdOwner: one owner per client id', () => {
  const devices = new Set(['cam-1', 'cam-1-a', 'bs-01', 'ioc-console']);
  const o = { serverClientId: 'ioc-console-host1', isDevice: (id: string) => devices.has(id) };

  it('gives a device its id and `<id>-…`', () => {
    expect(clientIdOwner('cam-1', o)).toEqual({ kind: 'device', id: 'cam-1' });
    expect(clientIdOwner('cam-1-boot-7', o)).toEqual({ kind: 'device', id: 'cam-1' });
    expect(clientIdOwner('bs-01-x', o)).toEqual({ kind: 'device', id: 'bs-01' });
  });

  it('gives the longest device id: no device reaches into another one\'s sessions', () => {
    expect(clientIdOwner('cam-1-a', o)).toEqual({ kind: 'device', id: 'cam-1-a' });
    expect(clientIdOwner('cam-1-a-2', o)).toEqual({ kind: 'device', id: 'cam-1-a' });
    expect(clientIdOwner('cam-1-b', o)).toEqual({ kind: 'device', id: 'cam-1' });
  });

  it('reserves the server\'s client id, even from a device whose id begins it', () => {
    expect(clientIdOwner('ioc-console-host1', o)).toEqual({ kind: 'server' });
    // Device `ioc-console` owns the rest of its namespace.
    expect(clientIdOwner('ioc-console-host2', o)).toEqual({ kind: 'device', id: 'ioc-console' });
  });

  it('gives `sim-…` to the simulators, and nobody what matches no device', () => {
    expect(clientIdOwner('sim-a1b2c3-cam-1', o)).toEqual({ kind: 'simulator' });
    expect(clientIdOwner('sim-load-a1b2c3-0', o)).toEqual({ kind: 'simulator' });
    expect(clientIdOwner('cam-10', o)).toBeNull();
    expect(clientIdOwner('cam', o)).toBeNull();
    expect(clientIdOwner('mqttjs_4f2a', o)).toBeNull();
    expect(clientIdOwner('', o)).toBeNull();
    expect(clientIdOwner('-cam-1', o)).toBeNull();
  });

  it(`takes no client id over ${MAX_CLIENT_ID} characters`, () => {
    expect(clientIdOwner(`cam-1-${'x'.repeat(MAX_CLIENT_ID - 6)}`, o)).toEqual({ kind: 'device', id: 'cam-1' });
    expect(clientIdOwner(`cam-1-${'x'.repeat(MAX_CLIENT_ID - 5)}`, o)).toBeNull();
  });
});

describe('addressKey: what the per-address cap counts', () => {
  it('counts IPv4 by address, mapped or not', () => {
    expect(addressKey('192.0.2.7')).toBe('192.0.2.7');
    expect(addressKey('::ffff:192.0.2.7')).toBe('192.0.2.7');
    expect(addressKey(undefined)).toBe('unknown');
  });

  it('counts IPv6 by /64, however the address is written', () => {
    const k = addressKey('2001:db8:1:2::1');
    expect(k).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8:1:2:aaaa:bbbb:cccc:dddd')).toBe(k);
    expect(addressKey('2001:0db8:0001:0002:0:0:0:9')).toBe(k);
    expect(addressKey('2001:db8:1:3::1')).not.toBe(k);
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
    expect(addressKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
  });
});
