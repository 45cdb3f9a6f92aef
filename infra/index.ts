/** The CDK surface of the log forwarder: the construct, its props and the settings they map to. */
export {
  DEFAULT_CODE_DIR,
  DEPLOYMENT_PARAMETERS,
  type KinesisOptions,
  LogForwarder,
  type LogForwarderProps,
  type S3SourceOptions,
  type SubscribeOptions,
} from './log-forwarder.js';
export {
  type LogForwarderSettings,
  type S3Format,
  SETTING_PROPS,
  type ScrubRule,
  type SettingProp,
  UNEXPOSED_SETTINGS,
  settingsEnvironment,
} from './settings.js';
