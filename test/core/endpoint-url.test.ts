import { describe, expect, it } from 'vitest';
import { endpointCredentials, publicEndpoint } from '../../src/core/endpoint-url.js';

describe('publicEndpoint', () => {
  it('keeps scheme, host, port and path; drops userinfo, query and fragment', () => {
    expect(publicEndpoint('http://u:pw@10.0.0.5:4000/v1?api_key=sk-1#x')).toBe('http://10.0.0.5:4000/v1');
    expect(publicEndpoint('https://key@api.example.com/v1/')).toBe('https://api.example.com/v1/');
    expect(publicEndpoint('http://127.0.0.1:11434')).toBe('http://127.0.0.1:11434');
    expect(publicEndpoint('http://127.0.0.1:11434/')).toBe('http://127.0.0.1:11434');
  });

  it('drops what could be credentials from something that is not an absolute URL', () => {
    expect(publicEndpoint('u:pw@ollama:11434?token=abc')).toBe('ollama:11434');
    expect(publicEndpoint('ollama:11434')).toBe('ollama:11434');
    expect(publicEndpoint('local')).toBe('local');
  });
});

describe('endpointCredentials', () => {
  it('lists user, password, user:password and query values, decoded', () => {
    expect(endpointCredentials('http://u:p%40ss@host/v1?api_key=sk-1&v=2')).toEqual([
      'u',
      'p@ss',
      'u:p@ss',
      'sk-1',
      '2',
    ]);
    expect(endpointCredentials('http://host/v1')).toEqual([]);
    expect(endpointCredentials('http://%zz@host/')).toEqual(['%zz']);
    expect(endpointCredentials('not a url')).toEqual([]);
  });
});
