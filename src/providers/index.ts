export {
  backchannel,
  BACKCHANNEL_EVENT_TYPES,
  BACKCHANNEL_SIGNATURE_HEADER,
  type BackchannelEvent,
  type BackchannelEventType,
  type BackchannelOptions
} from './backchannel.js'
export {
  bread,
  BREAD_IDENTITY_SCHEMA,
  BREAD_SIGNATURE_HEADER,
  BREAD_SOURCE,
  BREAD_TIMESTAMP_HEADER,
  type BreadEvent,
  type BreadData,
  type BreadOptions
} from './bread.js'
export { stripe, type StripeEvent } from './stripe.js'
export { github, type GitHubEvent } from './github.js'
export { shopify, type ShopifyEvent } from './shopify.js'
export { slack, type SlackEvent, type SlackReply } from './slack.js'
export { standardWebhooks, svix, type StandardWebhooksEvent, type StandardWebhooksOptions } from './standard-webhooks.js'
export { discord, discordInteractions, type DiscordEvent, type DiscordInteraction, type DiscordInteractionResponse, type DiscordOptions } from './discord.js'
export { hubspot, type HubSpotEvent } from './hubspot.js'
export { intercom, type IntercomEvent } from './intercom.js'
export { linear, type LinearEvent } from './linear.js'
export { paddle, type PaddleEvent } from './paddle.js'
export { mailgun, type MailgunEvent, type MailgunOptions } from './mailgun.js'
export { meta, type MetaEvent, type MetaOptions } from './meta.js'
export { postmark, type PostmarkEvent, type PostmarkOptions } from './postmark.js'
export { square, type SquareEvent } from './square.js'
export { twilio, type TwilioEvent, type TwilioOptions } from './twilio.js'
export { twitch, type TwitchEvent } from './twitch.js'
export { zoom, type ZoomEvent, type ZoomOptions } from './zoom.js'
export { sendgrid, type SendGridEvent, type SendGridOptions } from './sendgrid.js'
export { hmacPreset, type SecretOptions } from './hmac-preset.js'
