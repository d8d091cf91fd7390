/**
 * Loads a package the host installs only if it uses the feature that needs it (optional peers in
 * package.json: database drivers, supertest for the test kit, …), failing with a message that names
 * the package to install instead of Node's bare "Cannot find module".
 */
export function requireOptionalPeer<T>(name: string, feature: string, dev = false): T {
  try {
    // A plain require, resolved from this package, so the host's own copy is the one loaded.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(name) as T;
  } catch (error) {
    if (isMissing(error, name)) {
      throw new Error(`${feature} needs the package "${name}", which is not installed: npm install ${dev ? '--save-dev ' : ''}${name}`);
    }
    throw error;
  }
}

function isMissing(error: unknown, name: string): boolean {
  const { code, message } = (error ?? {}) as { code?: string; message?: string };
  return code === 'MODULE_NOT_FOUND' && typeof message === 'string' && message.includes(`'${name}'`);
}
