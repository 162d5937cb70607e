import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compareCodePoints } from '../../../src/core/order.ts';

describe('compareCodePoints', () => {
  it('orders by UTF-16 code units, where code points would order the other way', () => {
    const emoji = '\u{1F600}'; // code point 0x1F600, code units 0xD83D 0xDE00
    const halfwidthStop = '\uFF61'; // code point and code unit 0xFF61
    assert.ok(emoji.codePointAt(0)! > halfwidthStop.codePointAt(0)!);
    assert.ok(compareCodePoints(emoji, halfwidthStop) < 0);
    assert.deepEqual([halfwidthStop, emoji].sort(compareCodePoints), [emoji, halfwidthStop]);
  });

  it('agrees with sort() without a comparator, and ignores the locale', () => {
    const words = ['b', 'B', 'a', 'ä', 'Z', '10', '9', 'z'];
    assert.deepEqual([...words].sort(compareCodePoints), [...words].sort());
    assert.equal(compareCodePoints('x', 'x'), 0);
  });
});
