/** Why web/dist must be (re)built, or null when it is up to date. */
export function needsBuild(): string | null;
/** Build web/dist when needed; true when it built. */
export function ensureBuilt(): boolean;
