import { Prng } from './prng';

describe('Prng', () => {
  it('repeats for the same seed and stream, and differs otherwise', () => {
    const draw = (p: Prng) => Array.from({ length: 5 }, () => p.uint32());
    expect(draw(new Prng(1, 2))).toEqual(draw(new Prng(1, 2)));
    expect(draw(new Prng(1, 2))).not.toEqual(draw(new Prng(1, 3)));
    expect(draw(new Prng(1, 2))).not.toEqual(draw(new Prng(2, 2)));
  });

  it('keeps int() within inclusive bounds and reaches both ends', () => {
    const p = new Prng(9);
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) seen.add(p.int(3, 6));
    expect([...seen].sort()).toEqual([3, 4, 5, 6]);
  });

  it('makes version 4 UUIDs', () => {
    const p = new Prng(5);
    for (let i = 0; i < 100; i++) expect(p.uuid()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
