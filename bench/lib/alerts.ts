/**
 * A trickle of accident detections (each one raises or repeats an alert, which
 * the server pushes at once), with the publish time in `plate` so that a console
 * can tell how long the alert took. Cameras bench-alert-0..9 are outside the load
 * generator's fleet, so their seqs never collide with it.
 */
import mqtt from 'mqtt';
import { topics } from '../../contract/topics.js';

export async function startAlertTrickle(mqttUrl: string, perSecond: number): Promise<{ sent(): number; stop(): Promise<void> }> {
  const c = await mqtt.connectAsync(mqttUrl, { clientId: `bench-alerts-${process.pid}-${Date.now().toString(36)}` });
  const seqs = new Array<number>(10).fill(0);
  let sent = 0;
  const timer = setInterval(() => {
    const cam = sent % 10;
    const ts = Date.now();
    const payload = { seq: ++seqs[cam]!, ts, kind: 'accident', confidence: 0.95, lat: 10.005, lon: 106.015, plate: String(ts) };
    sent++;
    void c.publishAsync(topics.cameraDetection(`bench-alert-${cam}`), JSON.stringify(payload), { qos: 1 }).catch(() => undefined);
  }, 1000 / perSecond);
  return {
    sent: () => sent,
    async stop() {
      clearInterval(timer);
      await c.endAsync();
    },
  };
}
