import pkg from '../../package.json';

/** One version string for the API, docs and the webhook User-Agent. */
export const version: string = pkg.version;
