import { wordListTrigger } from './word-list.js';

/** A message containing one of `settings.words` (bye, good night, !lurk …) on word boundaries. */
export const farewellTrigger = wordListTrigger('farewell');
