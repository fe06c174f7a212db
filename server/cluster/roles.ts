/**
 * Leader or standby. One server alone leads from the start, with no lease. In a cluster the
 * lease (lease.ts) decides: elected → lead(), deposed → follow(). The two never overlap: each
 * switch waits for the one before it, and a lead() that finds the lease lost meanwhile is
 * followed at once by follow().
 */
import type { Logger } from '../log.js';
import type { LeaderLease } from './lease.js';

export type Role = 'leader' | 'standby' | 'stopped';

export interface RoleHandlers {
  /** Take the MQTT session, write telemetry, run the rules. */
  lead(): Promise<void>;
  /** Hand them over: the session, the rules; re-read what this server may have got wrong. */
  follow(why: string): Promise<void>;
}

export class Roles {
  private current: Role = 'stopped';
  private chain: Promise<void> = Promise.resolve();
  private changedAt = 0;

  constructor(
    private readonly lease: LeaderLease | null,
    private readonly handlers: RoleHandlers,
    private readonly log: Logger,
  ) {}

  get role(): Role {
    return this.current;
  }

  /** Epoch ms of the last switch. */
  get since(): number {
    return this.changedAt;
  }

  async start(): Promise<void> {
    if (!this.lease) {
      await this.switch('leader', 'a single server leads');
      return;
    }
    await this.handlers.follow('starting');
    this.current = 'standby';
    this.changedAt = Date.now();
    this.lease.on('elected', () => void this.switch('leader', 'elected'));
    this.lease.on('deposed', (why) => void this.switch('standby', why));
    await this.lease.start();
    await this.chain;
  }

  private switch(to: 'leader' | 'standby', why: string): Promise<void> {
    this.chain = this.chain.then(async () => {
      if (this.current === to || (this.current === 'stopped' && to === 'standby')) return;
      if (to === 'leader' && this.lease && !this.lease.status().leading) return;
      this.log.info({ from: this.current, to, why }, to === 'leader' ? 'taking the lead' : 'standing by');
      try {
        if (to === 'leader') await this.handlers.lead();
        else await this.handlers.follow(why);
        this.current = to;
        this.changedAt = Date.now();
      } catch (err) {
        this.log.error({ err: (err as Error).message, to }, 'role switch failed');
        if (to === 'leader') {
          // Half a leader is worse than none: hand everything back and let the lease move on.
          await this.handlers.follow('taking the lead failed').catch(() => undefined);
          this.current = 'standby';
          await this.lease?.stop().catch(() => undefined);
          await this.lease?.start().catch(() => undefined);
        }
      }
      // Lost the lease while taking the lead: hand it back now.
      if (this.current === 'leader' && this.lease && !this.lease.status().leading) {
        await this.handlers.follow('the lease was lost while taking the lead');
        this.current = 'standby';
      }
    });
    return this.chain;
  }

  async stop(): Promise<void> {
    await this.chain;
    this.current = 'stopped';
    await this.lease?.stop();
  }
}
