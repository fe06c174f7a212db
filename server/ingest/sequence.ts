/**
 * Per-device sequence tracking: detects messages lost upstream (gaps),
 * duplicates, and late arrivals, from the `seq` every device payload carries.
 * A 32-message window remembers which recent seqs were seen, so a late
 * message fills its gap instead of counting as a duplicate.
 */
export type SeqVerdict = 'new' | 'late' | 'duplicate' | 'old' | 'restart' | 'unsequenced';

const WINDOW = 32;

interface DeviceSeq {
  last: number;
  /** Device time of the message with the highest seq. */
  lastTs: number;
  /** Bit i set = seq (last - i) was seen. */
  seen: number;
}

export class SequenceTracker {
  private readonly devices = new Map<string, DeviceSeq>();
  gaps = 0;
  duplicates = 0;

  /**
   * Forget every device's counter (the totals stay): a server that takes the lead is then given
   * the messages its own standby view already saw, by the cluster's session, and must take them.
   */
  forgetDevices(): void {
    this.devices.clear();
  }

  /** Classify one message and update gap/duplicate counts. */
  observe(deviceKey: string, seq: number, ts = 0): SeqVerdict {
    // seq 0 is reserved for messages that cannot know the counter: an MQTT
    // last-will is fixed when the device connects. They are not tracked.
    if (seq === 0) return 'unsequenced';
    const d = this.devices.get(deviceKey);
    if (!d) {
      this.devices.set(deviceKey, { last: seq, lastTs: ts, seen: 1 });
      return 'new';
    }
    if (seq > d.last) {
      d.lastTs = ts;
      const jump = seq - d.last;
      this.gaps += jump - 1;
      d.seen = jump >= WINDOW ? 1 : ((d.seen << jump) | 1) >>> 0;
      d.last = seq;
      return 'new';
    }
    const back = d.last - seq;
    // A device that restarts counts from 1 again. A lower seq with a newer
    // device time cannot be a re-send or a late message: it is a restart.
    if ((seq === 1 && back > WINDOW) || ts > d.lastTs) {
      this.devices.set(deviceKey, { last: seq, lastTs: ts, seen: 1 });
      return 'restart';
    }
    if (back < WINDOW && (d.seen & (1 << back)) === 0) {
      d.seen = (d.seen | (1 << back)) >>> 0;
      this.gaps = Math.max(0, this.gaps - 1);
      return 'late';
    }
    this.duplicates++;
    // Past the window nobody can tell a re-send from a message that arrives very late: `old`.
    return back < WINDOW ? 'duplicate' : 'old';
  }

  /**
   * An `old` message was taken after all (a cluster's leader, whose session Mosquitto reorders):
   * most likely a late arrival that fills a gap, so it counts as that, not as a duplicate.
   */
  tookOld(): void {
    this.duplicates = Math.max(0, this.duplicates - 1);
    this.gaps = Math.max(0, this.gaps - 1);
  }

  lastSeq(deviceKey: string): number | undefined {
    return this.devices.get(deviceKey)?.last;
  }
}
