import { wordListTrigger } from './word-list.js';

/** A message containing one of `settings.words` (hi, hello, o7 …) on word boundaries. */
export const greetingTrigger = wordListTrigger('greeting');
