/**
 * Live views, for the audit trail: who watched which camera, from when, for how long. A view
 * opens with its first grant, lasts while the player renews it, and ends when the player says
 * so or when it has not been renewed for two token lifetimes (a closed tab says nothing).
 * One audit row when it opens (`view_started`) and one when it ends (`view_ended`, with its
 * length), in the `video` entity of GET /api/audit.
 */
import { randomUUID } from 'node:crypto';

export interface ViewAudit {
  (e: { type: 'view_started' | 'view_ended'; cameraId: string; by: string; role: string; address?: string | undefined; note: string }): void;
}

interface View {
  id: string;
  cameraId: string;
  userId: string;
  by: string;
  role: string;
  address: string | undefined;
  openedAt: number;
  lastRenewed: number;
}

export class LiveViews {
  private readonly views = new Map<string, View>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly audit: ViewAudit,
    private readonly lapseMs: number,
    private readonly now: () => number,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.sweep(), Math.min(5000, this.lapseMs));
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    for (const v of [...this.views.values()]) this.end(v, 'server stopped');
  }

  /** The view `viewId` of this user and camera, renewed; or a new one when there is none. */
  open(viewId: string | undefined, cameraId: string, who: { userId: string; by: string; role: string; address?: string | undefined }): string {
    const now = this.now();
    const v = viewId ? this.views.get(viewId) : undefined;
    if (v && v.cameraId === cameraId && v.userId === who.userId) {
      v.lastRenewed = now;
      return v.id;
    }
    const id = randomUUID();
    this.views.set(id, { id, cameraId, userId: who.userId, by: who.by, role: who.role, address: who.address, openedAt: now, lastRenewed: now });
    this.audit({ type: 'view_started', cameraId, by: who.by, role: who.role, address: who.address, note: `view ${id}` });
    return id;
  }

  /** A fetch of the view's stream: it is still being watched. */
  touch(viewId: string): void {
    const v = this.views.get(viewId);
    if (v) v.lastRenewed = Math.max(v.lastRenewed, this.now());
  }

  /** The player closed; false when the view is not this user's or is already over. */
  close(viewId: string, userId: string): boolean {
    const v = this.views.get(viewId);
    if (!v || v.userId !== userId) return false;
    this.end(v, 'closed');
    return true;
  }

  get size(): number {
    return this.views.size;
  }

  private sweep(): void {
    const cutoff = this.now() - this.lapseMs;
    for (const v of [...this.views.values()]) if (v.lastRenewed < cutoff) this.end(v, 'lapsed');
  }

  private end(v: View, how: string): void {
    this.views.delete(v.id);
    const s = Math.max(0, Math.round(((how === 'lapsed' ? v.lastRenewed : this.now()) - v.openedAt) / 1000));
    this.audit({ type: 'view_ended', cameraId: v.cameraId, by: v.by, role: v.role, address: v.address, note: `view ${v.id}: ${s} s (${how})` });
  }
}
