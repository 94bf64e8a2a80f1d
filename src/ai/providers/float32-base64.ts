/**
 * OpenAI's `encoding_format: "base64"` for embeddings: each vector as its float32 values, little
 * endian, 4 bytes each, in base64. Half the bytes of the JSON floats and no number parsing for the
 * client; the official SDKs ask for it by default and decode it.
 */

/**
 * `vector` as base64 of little-endian float32s (values are rounded to float32, as OpenAI's are).
 * @example encodeFloat32Base64([1, -2]) // 'AACAPwAAAMA='
 */
export function encodeFloat32Base64(vector: readonly number[]): string {
  const bytes = Buffer.allocUnsafe(vector.length * 4);
  for (let i = 0; i < vector.length; i++) bytes.writeFloatLE(vector[i] as number, i * 4);
  return bytes.toString('base64');
}

/**
 * The floats of a base64 float32 vector (see `encodeFloat32Base64`); undefined when `text` is not
 * base64 of a whole number of float32s.
 */
export function decodeFloat32Base64(text: string): number[] | undefined {
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length === 0 || bytes.length % 4 !== 0) return undefined;
  const vector = new Array<number>(bytes.length / 4);
  for (let i = 0; i < vector.length; i++) vector[i] = bytes.readFloatLE(i * 4);
  return vector;
}
