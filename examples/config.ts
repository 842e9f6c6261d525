// Demo credentials for the example server and the send script. Real deployments set the variables.
export const PORT = Number(process.env.PORT ?? 3000)
export const BACKCHANNEL_SECRET = process.env.BC_WEBHOOK_SECRET ?? 'hookgate-demo-secret'
export const BREAD = {
  kid: process.env.BREAD_KID ?? 'bd9f-demo-kid',
  secret: process.env.BREAD_SECRET ?? 'hookgate-demo-bread-secret',
  basicAuth: { username: process.env.BREAD_USER ?? 'bread', password: process.env.BREAD_PASSWORD ?? 'hookgate-demo-password' }
}
/** The secrets not set in the environment, each with the sender that then uses its demo value. */
export const UNSET_SECRETS = [
  { variable: 'BC_WEBHOOK_SECRET', provider: 'backchannel', demo: BACKCHANNEL_SECRET },
  { variable: 'BREAD_SECRET', provider: 'bread', demo: BREAD.secret }
].filter(({ variable }) => process.env[variable] === undefined)
