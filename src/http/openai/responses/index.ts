import type { Wire } from '../wire.js';
import { type ParsedResponsesRequest, parseResponsesRequest } from './request.js';
import { responseBody } from './response.js';
import { writeResponseStream } from './stream.js';

/**
 * The Responses API (`POST /v1/responses`) as a chat request: the body is read into chat messages
 * and options, the answer written as a Response object or its semantic stream events. Nothing is
 * stored: `store` is accepted only as false, `previous_response_id` is refused.
 */
export const RESPONSES_WIRE: Wire<ParsedResponsesRequest> = {
  parse: parseResponsesRequest,
  body: responseBody,
  stream: writeResponseStream,
};
