export { hookgate as default, hookgate, WebhookEndpoint, type EndpointOptions, type QueuedEndpointOptions, type PluginQueueOptions, type HookgatePluginOptions, type WebhooksDecorator } from './adapters/fastify.js'
export type { WebhookRouteOptions } from './adapters/fastify-route.js'
export * from './core/index.js'
export { expectContinue } from './adapters/expect-continue.js'
