import { describe, expect, it } from 'vitest';
import { SseParser } from './sse-parser.ts';

describe('SseParser', () => {
  it('dispatches named events with their data, whatever the chunking', () => {
    const stream =
      'event: rollout\ndata: {"id":"r1",\ndata: "state":"running"}\n\n: heartbeat\n\nevent: rollout\r\ndata: {}\r\n\r\n';
    const whole = new SseParser().feed(stream);
    expect(whole).toEqual([
      { event: 'rollout', data: '{"id":"r1",\n"state":"running"}', id: undefined },
      { event: 'rollout', data: '{}', id: undefined },
    ]);
    for (let size = 1; size < 12; size += 1) {
      const parser = new SseParser();
      const events = [];
      for (let at = 0; at < stream.length; at += size)
        events.push(...parser.feed(stream.slice(at, at + size)));
      expect(events).toEqual(whole);
    }
  });

  it('defaults the event name, keeps the last id, and drops events without data', () => {
    const parser = new SseParser();
    expect(parser.feed('id: 7\ndata:plain\n\nevent: empty\n\n')).toEqual([
      { event: 'message', data: 'plain', id: '7' },
    ]);
    expect(parser.feed('data: more')).toEqual([]);
    expect(parser.feed('\n\n')).toEqual([{ event: 'message', data: 'more', id: '7' }]);
  });
});
