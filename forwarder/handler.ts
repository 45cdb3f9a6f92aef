/**
 * The Lambda entry point. Configuration is read and validated once per container, at the
 * first invocation (a bad setting fails every invocation with a message naming it).
 */
import { loadConfig } from './config/index.js';
import { Forwarder } from './forwarder.js';

let forwarder: Forwarder | undefined;

export const handler = async (event: unknown, context: Parameters<Forwarder['handle']>[1]) => {
  forwarder ??= new Forwarder(loadConfig(process.env));
  return forwarder.handle(event, context);
};
