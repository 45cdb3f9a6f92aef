/**
 * The Lambda entry point. Configuration is read and validated once per container, at the
 * first invocation (a bad setting fails every invocation with a message naming it).
 */
import { loadConfig, unknownSettings } from './config/index.js';
import { Forwarder } from './forwarder.js';
import { createLogger } from './logger.js';

let forwarder: Forwarder | undefined;

function start(): Forwarder {
  const config = loadConfig(process.env);
  // A misspelt setting (DD_APIKEY, SCRUB_CUSTOM_RULE) would otherwise be ignored without a word.
  const unknown = unknownSettings(process.env);
  if (unknown.length > 0) createLogger(config.logLevel).log('warn', 'settings that the forwarder does not know; misspelt?', { names: unknown });
  return new Forwarder(config);
}

export const handler = async (event: unknown, context: Parameters<Forwarder['handle']>[1]) => {
  forwarder ??= start();
  return forwarder.handle(event, context);
};
