export { signBackchannel, backchannelRequest, type BackchannelHeaders } from './backchannel.js'
export type { SignedRequest, TestBody } from './body.js'
export { signBread, breadRequest, type SignBreadOptions, type BreadHeaders } from './bread.js'
export { signGithub, signShopify, signSlack, signStandardWebhooks, signStripe, type SenderHeaders } from './senders.js'
