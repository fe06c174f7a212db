/**
 * Evidence frames for simulated detections (issue #22): one frame of the camera's test pattern
 * (the picture its live stream shows, contract/video.ts), as a JPEG of about 20 kB that goes out
 * on the camera's snapshot topic just before the detection that names it. Without ffmpeg the
 * detection goes out without an image.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { testPatternFilter } from '../contract/video.js';

const GRAB_TIMEOUT_MS = 5000;

export function grabFrame(label: string, opts: { ffmpeg?: string; timeZone?: string } = {}): Promise<Buffer | null> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ioc-sim-frame-'));
  const file = path.join(dir, 'label.txt');
  fs.writeFileSync(file, label);
  const args = ['-hide_banner', '-loglevel', 'error', '-nostdin', '-f', 'lavfi', '-i', 'testsrc2=size=640x360', '-vf', testPatternFilter(file), '-frames:v', '1', '-q:v', '7', '-f', 'image2', '-c:v', 'mjpeg', 'pipe:1'];
  return new Promise((resolve) => {
    execFile(opts.ffmpeg ?? 'ffmpeg', args, { encoding: 'buffer', timeout: GRAB_TIMEOUT_MS, maxBuffer: 4 * 1024 * 1024, env: { ...process.env, ...(opts.timeZone ? { TZ: opts.timeZone } : {}) } }, (err, stdout) => {
      fs.rmSync(dir, { recursive: true, force: true });
      resolve(err || stdout.length < 4 ? null : stdout);
    });
  });
}
