/**
 * Webhook URLs often carry a credential in their path or query (Zapier, Make and Slack hooks do),
 * so anything shown outside the subscription itself (Temporal memos, logs) keeps only the origin.
 */
export function redactUrl(url: string): string {
  try {
    const { origin, pathname, search, hash } = new URL(url);
    return pathname === '/' && !search && !hash ? origin : `${origin}/…`;
  } catch {
    return '[invalid url]';
  }
}
