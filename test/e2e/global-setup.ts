import { ensureBuilt } from '../../web/scripts/ensure-built.mjs';

/** The end-to-end tests drive the built app: build it first when it is missing or older than its sources. */
export default function setup(): void {
  ensureBuilt();
}
