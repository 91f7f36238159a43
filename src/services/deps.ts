import type { Store } from '../store/store.js';
import type { EvidenceFiles } from '../store/evidence-files.js';
import type { TeamKey } from '../formats/pgp.js';
import type { ThrottleLimits } from './auth/throttle.js';
import type { DirectoryIndex } from './directory-index.js';

/** What use cases need from the outside world; each takes only what it uses. */
export interface ServiceDeps {
  store: Store;
  clock: () => Date;
  settings: {
    incidentPrefix: string;
    timeZone: string;
    auth: {
      sessionIdleMinutes: number;
      sessionMaxHours: number;
      throttle: ThrottleLimits;
    };
  };
  directoryIndex: DirectoryIndex;
  /** Content-addressed evidence files (attachments, captures). */
  evidence: EvidenceFiles;
  /** The team's PGP keys, newest (published) first. */
  teamKeys: TeamKey[];
}
