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
  type BreadOptions
} from './bread.js'
