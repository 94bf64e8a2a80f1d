/**
 * The signed-in key. It lives in this module's memory only: not in a URL, not in localStorage, not
 * in sessionStorage. A reload therefore signs out; that is the price of a key that no other script
 * on the origin, no browser history and no disk copy can read back later. Sign-out forgets it.
 */
let key: string | undefined;

/** The key, or undefined when signed out. */
export function currentKey(): string | undefined {
  return key;
}

export function signIn(value: string): void {
  key = value;
}

export function signOut(): void {
  key = undefined;
}
