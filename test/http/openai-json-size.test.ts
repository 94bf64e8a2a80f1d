import { describe, expect, it } from 'vitest';
import { measureJson } from '../../src/http/openai/json-size.js';

const roomy = { depth: 64, properties: 5000 };

describe('measureJson', () => {
  it('counts levels of objects and arrays, and object properties at every level', () => {
    expect(measureJson('text', roomy)).toEqual({ depth: 0, properties: 0 });
    expect(measureJson(null, roomy)).toEqual({ depth: 0, properties: 0 });
    expect(measureJson({}, roomy)).toEqual({ depth: 1, properties: 0 });
    expect(measureJson([1, 2, 3], roomy)).toEqual({ depth: 1, properties: 0 });
    expect(measureJson({ a: { b: [1, { c: 2 }] }, d: 'x' }, roomy)).toEqual({ depth: 4, properties: 4 });
  });

  it('walks a value nested far beyond the stack without overflowing, and stops one level past the limit', () => {
    let deep: unknown = [];
    for (let i = 0; i < 200_000; i++) deep = [deep];
    expect(measureJson(deep, roomy)).toEqual({ depth: 65, properties: 0 });
  });

  it('stops counting one property past the limit', () => {
    const wide = Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`k${i}`, i]));
    expect(measureJson(wide, { depth: 64, properties: 5000 })).toEqual({ depth: 1, properties: 5001 });
    expect(measureJson(wide, { depth: 64, properties: 10_000 })).toEqual({ depth: 1, properties: 10_000 });
  });
});
