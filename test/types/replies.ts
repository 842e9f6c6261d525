// Type tests for senders that read the handler's reply (compiled by `npm run typecheck`): the docs'
// examples for Slack, Discord's interactions and Twilio compile as written, with the reply types.
import Fastify from 'fastify'
import twilioSdk from 'twilio'
import hookgate from 'hookgate'
import { discordInteractions, slack, twilio, type DiscordInteraction, type DiscordInteractionResponse, type SlackEvent, type SlackReply } from 'hookgate/providers'

type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false
function expectType<T extends true> (_: T): void {}

const app = Fastify()
await app.register(hookgate)

const weather = { type: 'object', properties: { text: { type: 'string' }, user_id: { type: 'string' } }, required: ['text'] } as const
interface Modal { readonly response_action: 'errors', readonly errors: { readonly title: string } }

app.webhooks('/webhooks/slack', slack({ secret: 's' }), { handlerTimeout: 2500 })
  .on('/weather', { schema: weather }, (event): SlackReply => {
    expectType<Equals<typeof event.data.text, string>>(true)
    expectType<Equals<typeof event.kind, 'command' | 'interaction' | undefined>>(true)
    return { response_type: 'in_channel', text: `Sunny in ${event.data.text}` }
  })
  // An interface (no index signature) is a reply too.
  .on('view_submission.new_ticket', (): SlackReply => ({ response_action: 'errors', errors: { title: 'Too short' } }) satisfies Modal)
  .on('*', (event: SlackEvent) => { void event.payload })

app.webhooks('/discord/interactions', discordInteractions({ publicKey: 'ab'.repeat(32) }), { handlerTimeout: 2500 })
  .on('command.weather.*', (event): DiscordInteractionResponse => {
    expectType<Equals<typeof event.token, string>>(true)
    expectType<Equals<typeof event, DiscordInteraction>>(true)
    return { type: 4, data: { content: 'Sunny' } satisfies { content: string } }
  })

app.webhooks('/webhooks/twilio', twilio({ authToken: 't', publicUrl: 'https://hooks.example.com' }))
  .on('message.received', (event) => {
    const reply = new twilioSdk.twiml.MessagingResponse()
    reply.message(`You said: ${String(event.data.Body)}`)
    return reply
  })
