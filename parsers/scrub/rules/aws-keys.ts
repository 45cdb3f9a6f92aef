/**
 * AWS credentials (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html
 * "Understanding unique ID prefixes"; https://docs.aws.amazon.com/IAM/latest/UserGuide/security-creds.html):
 * - access key ids: AKIA (long-term) or ASIA (temporary, STS) and 16 more upper-case letters
 *   or digits, standing alone. Other unique-id prefixes (AROA role ids, AIDA user ids…) are
 *   identifiers, not credentials, and are kept.
 * - secret access keys: 40 characters of base64 (A-Z a-z 0-9 / +). Forty such characters are
 *   common (git SHAs are 40 hex), so only in a key context: after a key named like
 *   secret_access_key / SecretAccessKey / aws_secret_key (JSON, key=value, key: value, INI),
 *   or right after an access key id (`AKIA…:secret`, `AKIA…,secret`, `"AKIA…","secret"`).
 * The secret rule must run before the access key id rule: it needs the id as context.
 */
import { KEY_SEPARATOR, REDACTED, type ScrubRule, separatedBefore } from '../rule.js';

const ACCESS_KEY_ID = /(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Za-z0-9])/g;

const SECRET_AFTER_KEY =
  /(secret_?access_?key|aws_?secret_?key)(\\{0,3}["']?[ \t]*[:=][ \t]*\\{0,3}["']?)([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])/gi;

const SECRET_AFTER_ID = /((?:AKIA|ASIA)[A-Z0-9]{16})([\s,:;|"'=\\]{1,6})([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])/g;

const hasKeyId = (text: string): boolean => text.includes('AKIA') || text.includes('ASIA');
const SECRET_WORD = /secret/i;

export const awsAccessKeyId: ScrubRule = {
  name: 'aws_access_key_id',
  jsonSafe: true,
  probes: ['AKIA', 'ASIA'],
  apply(text, hit) {
    if (!hasKeyId(text)) return text;
    return text.replace(ACCESS_KEY_ID, (m: string, offset: number) => {
      // Standing alone: not the tail of a longer word (MALAYSIAN…, xAKIA…).
      if (!separatedBefore(text, offset)) return m;
      hit();
      return REDACTED;
    });
  },
};

export const awsSecretAccessKey: ScrubRule = {
  name: 'aws_secret_access_key',
  jsonSafe: true,
  triggers: [`(?:secret_?access_?key|aws_?secret_?key)${KEY_SEPARATOR}`],
  probes: ['AKIA', 'ASIA'],
  apply(text, hit) {
    const replace = (_m: string, key: string, sep: string): string => {
      hit();
      return `${key}${sep}${REDACTED}`;
    };
    let out = text;
    if (SECRET_WORD.test(out)) out = out.replace(SECRET_AFTER_KEY, replace);
    if (hasKeyId(out)) out = out.replace(SECRET_AFTER_ID, replace);
    return out;
  },
};
