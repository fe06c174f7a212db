/**
 * Where users, sessions and display tokens live, behind an interface so that
 * several instances could later share one store (a database, InfluxDB events).
 *
 * The implementation here is one JSON file (default data/auth/users.json,
 * mode 0600): it exists before InfluxDB is up, the `npm run users` CLI can edit
 * it with the server stopped or running, and an operator can back it up with
 * `cp`. Writes are atomic (temp file + rename). The server re-reads the file
 * when its mtime changes (checked at most once a second), so a user disabled
 * by the CLI is cut off within a second. Passwords are scrypt hashes; refresh
 * and display tokens are stored as SHA-256 of their random secret only.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Role } from '../../contract/auth.js';

export interface UserRecord {
  id: string;
  username: string;
  displayName: string;
  role: Role;
  unitId: string | null;
  passwordHash: string;
  disabled: boolean;
  createdAt: number;
  updatedAt: number;
}

export interface SessionRecord {
  id: string;
  userId: string;
  /** SHA-256 of the current refresh token; the previous one is kept to detect reuse (theft). */
  refreshHash: string;
  previousRefreshHash: string | null;
  createdAt: number;
  expiresAt: number;
  lastUsedAt: number;
  ip: string | null;
}

export interface DisplayTokenRecord {
  id: string;
  name: string;
  tokenHash: string;
  createdAt: number;
  createdBy: string;
  revokedAt: number | null;
  /** When it stops working (epoch ms); null = until revoked. Absent in files written before expiry existed. */
  expiresAt?: number | null;
}

export interface AuthStore {
  users(): UserRecord[];
  userById(id: string): UserRecord | undefined;
  userByName(username: string): UserRecord | undefined;
  putUser(u: UserRecord): void;
  sessions(): SessionRecord[];
  session(id: string): SessionRecord | undefined;
  putSession(s: SessionRecord): void;
  deleteSessions(match: (s: SessionRecord) => boolean): SessionRecord[];
  displayTokens(): DisplayTokenRecord[];
  displayToken(id: string): DisplayTokenRecord | undefined;
  putDisplayToken(t: DisplayTokenRecord): void;
}

interface FileShape {
  version: 1;
  users: UserRecord[];
  sessions: SessionRecord[];
  displayTokens: DisplayTokenRecord[];
}

export class FileAuthStore implements AuthStore {
  private data: FileShape = { version: 1, users: [], sessions: [], displayTokens: [] };
  private mtimeMs = -1;
  private checkedAt = 0;

  constructor(
    readonly file: string,
    private readonly now: () => number = Date.now,
  ) {}

  users(): UserRecord[] {
    return this.read().users;
  }
  userById(id: string): UserRecord | undefined {
    return this.read().users.find((u) => u.id === id);
  }
  userByName(username: string): UserRecord | undefined {
    const name = username.toLowerCase();
    return this.read().users.find((u) => u.username === name);
  }
  putUser(u: UserRecord): void {
    this.mutate((d) => {
      d.users = [...d.users.filter((x) => x.id !== u.id), u];
    });
  }
  sessions(): SessionRecord[] {
    return this.read().sessions;
  }
  session(id: string): SessionRecord | undefined {
    return this.read().sessions.find((s) => s.id === id);
  }
  putSession(s: SessionRecord): void {
    this.mutate((d) => {
      // Expired sessions are dropped on every write: the file does not grow forever.
      const t = this.now();
      d.sessions = [...d.sessions.filter((x) => x.id !== s.id && x.expiresAt > t), s];
    });
  }
  deleteSessions(match: (s: SessionRecord) => boolean): SessionRecord[] {
    const gone = this.read().sessions.filter(match);
    if (gone.length) this.mutate((d) => (d.sessions = d.sessions.filter((s) => !match(s))));
    return gone;
  }
  displayTokens(): DisplayTokenRecord[] {
    return this.read().displayTokens;
  }
  displayToken(id: string): DisplayTokenRecord | undefined {
    return this.read().displayTokens.find((t) => t.id === id);
  }
  putDisplayToken(t: DisplayTokenRecord): void {
    this.mutate((d) => {
      d.displayTokens = [...d.displayTokens.filter((x) => x.id !== t.id), t];
    });
  }

  private read(force = false): FileShape {
    const t = Date.now();
    if (!force && t - this.checkedAt < 1000) return this.data;
    this.checkedAt = t;
    let st: fs.Stats;
    try {
      st = fs.statSync(this.file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return this.data;
      throw err;
    }
    if (st.mtimeMs !== this.mtimeMs) {
      const parsed = JSON.parse(fs.readFileSync(this.file, 'utf8')) as Partial<FileShape>;
      this.data = { version: 1, users: parsed.users ?? [], sessions: parsed.sessions ?? [], displayTokens: parsed.displayTokens ?? [] };
      this.mtimeMs = st.mtimeMs;
    }
    return this.data;
  }

  private mutate(fn: (d: FileShape) => void): void {
    // Re-read first: the CLI may have changed the file since our last look.
    const d = structuredClone(this.read(true));
    fn(d);
    fs.mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
    const tmp = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(d, null, 1), { mode: 0o600 });
    fs.renameSync(tmp, this.file);
    this.data = d;
    this.mtimeMs = fs.statSync(this.file).mtimeMs;
    this.checkedAt = Date.now();
  }
}

/** Usernames: lower-case letters, digits, dot, dash, underscore; 2–32 characters. */
export const USERNAME_RE = /^[a-z0-9][a-z0-9._-]{1,31}$/;
