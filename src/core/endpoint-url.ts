/**
 * Endpoint URLs as chatgate shows them. A community's or the operator's `base_url` may carry
 * credentials in its userinfo (`http://user:password@host/v1`) or its query (`?api_key=…`); status,
 * health, metrics and logs show only where it points.
 */

/**
 * The public form of an endpoint URL: `scheme://host[:port]/path`, without userinfo, query or
 * fragment (a root path `/` is left out). Something that is not an absolute URL (Ollama also takes
 * `host:port`) loses whatever precedes an `@` and whatever follows a `?` or `#`.
 *
 * @example
 * publicEndpoint('http://u:pw@10.0.0.5:4000/v1?api_key=sk-1'); // 'http://10.0.0.5:4000/v1'
 * publicEndpoint('http://127.0.0.1:11434/'); // 'http://127.0.0.1:11434'
 */
export function publicEndpoint(url: string): string {
  const parsed = URL.canParse(url) ? new URL(url) : undefined;
  if (parsed?.host)
    return `${parsed.protocol}//${parsed.host}${parsed.pathname === '/' ? '' : parsed.pathname}`;
  return url.replace(/[?#].*$/s, '').replace(/^[^/]*@/, '');
}

/**
 * What `publicEndpoint` leaves out of `url` that may be a credential: the user, the password,
 * `user:password` (what an `Authorization: Basic` header is built from), and each query value,
 * decoded. Empty for a URL without them, or for something that is not a URL.
 *
 * @example
 * endpointCredentials('http://u:pw@host/v1?api_key=sk-1'); // ['u', 'pw', 'u:pw', 'sk-1']
 */
export function endpointCredentials(url: string): string[] {
  if (!URL.canParse(url)) return [];
  const parsed = new URL(url);
  const user = decoded(parsed.username);
  const password = decoded(parsed.password);
  const userinfo = password ? [user, password, `${user}:${password}`] : [user];
  const query = [...parsed.searchParams.values()];
  return [...userinfo, ...query].filter((value) => value !== '');
}

/** `text` percent-decoded, or as it is when it is not valid percent-encoding. */
function decoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
