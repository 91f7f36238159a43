export { OBSERVABLE_TYPES, isObservableType, type ExtractedObservable, type ObservableType } from './observable.js';
export { extractObservables } from './extract.js';
export { detectObservable, normaliseObservable } from './normalise.js';
export { defang, refang } from './refang.js';
