export {
  backchannel,
  BACKCHANNEL_EVENT_TYPES,
  BACKCHANNEL_SIGNATURE_HEADER,
  type BackchannelEvent,
  type BackchannelEventType,
  type BackchannelOptions
} from './backchannel.js'
