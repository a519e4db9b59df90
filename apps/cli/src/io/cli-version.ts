import packageJson from '../../../../package.json';

/** The CLI's version: the package's own (shown by `--version`, sent in the User-Agent). */
export const CLI_VERSION: string = packageJson.version;
