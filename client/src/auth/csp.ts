/**
 * Runs first (main.tsx): the console lives under a CSP without 'unsafe-eval'
 * (server/http/security.ts). zod 4 probes `new Function('')` to decide whether
 * to compile its parsers; under the policy that probe is refused and reported
 * as a violation even though zod catches it. jitless skips the probe.
 */
import { config } from 'zod';

config({ jitless: true });
