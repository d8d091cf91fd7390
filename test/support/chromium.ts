import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { brotliDecompressSync } from 'node:zlib';
import { chromium, type Browser } from 'playwright-core';

/** Debian's chromium (apt-get install chromium), used where it is installed. */
const DEBIAN_CHROMIUM = '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'];

/**
 * Headless Chromium for the admin page tests, driven by playwright-core (which downloads no browser):
 * CHROMIUM_PATH where it names a browser, else Debian's, else the one npm installed with the dev
 * dependencies (@sparticuz/chromium ships a Chromium build in the package, with the NSS libraries it
 * links), so `npm ci && npm test` needs nothing outside npm.
 */
export async function launchChromium(): Promise<Browser> {
  const installed = [process.env.CHROMIUM_PATH, DEBIAN_CHROMIUM].find((path): path is string => path !== undefined && path !== '' && isExecutable(path));
  if (installed) return chromium.launch({ executablePath: installed, args: FLAGS });
  const { executablePath, libraries } = await npmChromium();
  return chromium.launch({
    executablePath,
    args: FLAGS,
    env: { ...process.env, LD_LIBRARY_PATH: [libraries, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':') },
  });
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The Chromium of @sparticuz/chromium, unpacked by the package into the temp folder on first use, and
 * the shared libraries it ships for it (NSS, NSPR), which a machine without a browser lacks.
 */
async function npmChromium(): Promise<{ executablePath: string; libraries: string }> {
  const { default: Chromium } = (await import('@sparticuz/chromium')) as unknown as { default: { executablePath(): Promise<string> } };
  const executablePath = await Chromium.executablePath();
  // The package unpacks these libraries only on AWS Lambda; the archive is beside the browser's.
  const entry = require.resolve('@sparticuz/chromium');
  const archive = join(dirname(entry), '../../bin/al2023.tar.br');
  const version = (JSON.parse(readFileSync(join(dirname(entry), '../../package.json'), 'utf8')) as { version: string }).version;
  const target = join(tmpdir(), `sparticuz-chromium-${version}-libs`);
  const libraries = join(target, 'lib');
  if (!existsSync(join(libraries, 'libnss3.so'))) {
    mkdirSync(target, { recursive: true });
    const untar = spawnSync('tar', ['-x', '-C', target], { input: brotliDecompressSync(readFileSync(archive)) });
    if (untar.status !== 0) throw new Error(`could not unpack ${archive}: ${untar.stderr.toString()}`);
  }
  return { executablePath, libraries };
}
