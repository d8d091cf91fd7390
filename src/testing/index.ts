// Helpers for tests of applications that use the webhooks module.
export { signOmiseWebhook, type OmiseWebhookHeaders, type SignOptions } from './sign-omise-webhook';
