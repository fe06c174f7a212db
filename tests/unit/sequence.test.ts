import { describe, expect, it } from 'vitest';
import { SequenceTracker } from '../../server/ingest/sequence.js';

describe('SequenceTracker', () => {
  it('counts a gap as the number of missing messages', () => {
    const t = new SequenceTracker();
    expect(t.observe('cam-1', 1)).toBe('new');
    expect(t.observe('cam-1', 2)).toBe('new');
    expect(t.observe('cam-1', 6)).toBe('new');
    expect(t.gaps).toBe(3);
    expect(t.duplicates).toBe(0);
  });

  it('recognises a duplicate of a recent message', () => {
    const t = new SequenceTracker();
    t.observe('cam-1', 10);
    t.observe('cam-1', 11);
    expect(t.observe('cam-1', 11)).toBe('duplicate');
    expect(t.observe('cam-1', 10)).toBe('duplicate');
    expect(t.duplicates).toBe(2);
  });

  it('lets a late message fill its gap instead of counting it twice', () => {
    const t = new SequenceTracker();
    t.observe('st-1', 1);
    t.observe('st-1', 3);
    expect(t.gaps).toBe(1);
    expect(t.observe('st-1', 2)).toBe('late');
    expect(t.gaps).toBe(0);
    expect(t.observe('st-1', 2)).toBe('duplicate');
  });

  it('keeps devices apart', () => {
    const t = new SequenceTracker();
    t.observe('a', 5);
    expect(t.observe('b', 5)).toBe('new');
    expect(t.gaps).toBe(0);
  });

  it('treats a counter back at 1 far below the last seq as a device restart', () => {
    const t = new SequenceTracker();
    t.observe('cam-9', 500);
    expect(t.observe('cam-9', 1)).toBe('restart');
    expect(t.observe('cam-9', 2)).toBe('new');
    expect(t.gaps).toBe(0);
  });

  it('does not track seq 0 (last-will messages cannot know the counter)', () => {
    const t = new SequenceTracker();
    t.observe('cam-3', 40);
    expect(t.observe('cam-3', 0)).toBe('unsequenced');
    expect(t.observe('cam-3', 0)).toBe('unsequenced');
    expect(t.observe('cam-3', 41)).toBe('new');
    expect(t.gaps + t.duplicates).toBe(0);
  });

  it('calls a message older than the window `old`: a re-send or a very late arrival, nobody can tell', () => {
    const t = new SequenceTracker();
    t.observe('cam-2', 100);
    expect(t.observe('cam-2', 40)).toBe('old');
    expect(t.duplicates).toBe(1);
  });

  it('an `old` message taken after all (a cluster leader) fills a gap instead of counting as a duplicate', () => {
    const t = new SequenceTracker();
    t.observe('cam-4', 1);
    t.observe('cam-4', 100); // 98 missing
    expect(t.gaps).toBe(98);
    expect(t.observe('cam-4', 50)).toBe('old');
    t.tookOld();
    expect({ gaps: t.gaps, duplicates: t.duplicates }).toEqual({ gaps: 97, duplicates: 0 });
  });
});
