/**
 * A trickle of accident detections (each one raises or repeats an alert, which
 * the server pushes at once). `plate` carries the publish time and the trickle's
 * index, both base 36 (`<ms>.<index>`, 13 characters, under the 16 the contract
 * allows), so that a console can tell how long the alert took and count each one
 * exactly once: a later change of the same alert (linked to an incident) carries
 * the same plate. Cameras bench-alert-0..9 are outside the load generator's fleet,
 * so their seqs never collide with it.
 *
 * `distinct`: each detection on a camera of its own (bench-new-<run>-<index>), so each raises a
 * new alert instead of repeating one. The cluster suite measures these: a leader holds repeats
 * back before writing them (server/alerts/store.ts, REPEAT_PERSIST_MS), and a standby's
 * screens learn only what PostgreSQL holds, so a repeat is not what a new alert costs there.
 */
import mqtt from 'mqtt';
import { topics } from '../../contract/topics.js';
import { alertPlate } from './alert-plate.js';

/** sent(): how many were published so far, which is also the index the next one gets. */
export async function startAlertTrickle(mqttUrl: string, perSecond: number, o: { distinct?: boolean } = {}): Promise<{ sent(): number; stop(): Promise<void> }> {
  const run = Date.now().toString(36);
  const c = await mqtt.connectAsync(mqttUrl, { clientId: `bench-alerts-${process.pid}-${run}` });
  const seqs = new Array<number>(10).fill(0);
  let sent = 0;
  const timer = setInterval(() => {
    const cam = sent % 10;
    const ts = Date.now();
    const seq = o.distinct ? 1 : ++seqs[cam]!;
    const payload = { seq, ts, kind: 'accident', confidence: 0.95, lat: 10.005, lon: 106.015, plate: alertPlate(ts, sent) };
    const camera = o.distinct ? `bench-new-${run}-${sent}` : `bench-alert-${cam}`;
    sent++;
    void c.publishAsync(topics.cameraDetection(camera), JSON.stringify(payload), { qos: 1 }).catch(() => undefined);
  }, 1000 / perSecond);
  return {
    sent: () => sent,
    async stop() {
      clearInterval(timer);
      await c.endAsync();
    },
  };
}
