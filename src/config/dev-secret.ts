/**
 * Where the demo keeps a development webhook secret when OMISE_WEBHOOK_SECRET is not set. A plain
 * constant in its own file: the CLI reads it without loading @nestjs/config.
 */
export const DEV_SECRET_FILE = './data/dev-webhook-secret';
