import { describe, expect, it } from 'vitest';
import type { Store } from '../store/store.js';
import { DirectoryIndex, type ContactKey } from './directory-index.js';

/** A store with only what the index reads: the directory version and the contacts' keys, counting the reads. */
function fakeStore() {
  const state = { version: 1, keys: [{ organisationId: 'o1', organisationName: 'Org', email: 'a@example.jp', pgpKey: 'KEY-A' }] as ContactKey[], versionReads: 0, keyReads: 0 };
  const store = {
    organisations: {
      version: () => (state.versionReads++, Promise.resolve(state.version)),
      contactKeys: () => (state.keyReads++, Promise.resolve([...state.keys])),
    },
  } as unknown as Store;
  return { state, store };
}

describe('DirectoryIndex.contactKeys', () => {
  it('reads the keys once per directory version, and the version at most once per recheck period', async () => {
    let now = 0;
    const index = new DirectoryIndex(1000, () => now);
    const { state, store } = fakeStore();
    expect((await index.contactKeys(store)).map((k) => k.pgpKey)).toEqual(['KEY-A']);
    await index.contactKeys(store);
    expect([state.versionReads, state.keyReads]).toEqual([1, 1]);

    // Another process adds a key: seen once the period is over, not before.
    state.keys.push({ organisationId: 'o2', organisationName: 'Other', email: 'b@example.jp', pgpKey: 'KEY-B' });
    state.version = 2;
    now = 999;
    expect(await index.contactKeys(store)).toHaveLength(1);
    now = 1000;
    expect((await index.contactKeys(store)).map((k) => k.pgpKey)).toEqual(['KEY-A', 'KEY-B']);
    expect([state.versionReads, state.keyReads]).toEqual([2, 2]);

    // The version did not move: the keys are not read again.
    now = 5000;
    await index.contactKeys(store);
    expect([state.versionReads, state.keyReads]).toEqual([3, 2]);

    // A change made here is seen at once.
    state.keys.pop();
    state.version = 3;
    index.invalidate();
    expect((await index.contactKeys(store)).map((k) => k.pgpKey)).toEqual(['KEY-A']);
  });
});
