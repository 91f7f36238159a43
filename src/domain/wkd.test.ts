import { describe, expect, it } from 'vitest';
import { wkdHash } from './wkd.js';

describe('WKD hash', () => {
  it('matches the example of draft-koch-openpgp-webkey-service', () => {
    // "Joe.Doe@Example.ORG" → local part "joe.doe" → iy9q119eutrkn8s1mk4r39qejnbu3n5q
    expect(wkdHash('Joe.Doe')).toBe('iy9q119eutrkn8s1mk4r39qejnbu3n5q');
  });
});
