import { describe, expect, it } from 'vitest';
import { restAfter, SentenceReply } from '../../../adapters/twitch/stream.js';

/** A long answer of whole sentences: each over 100 chars, five of them over one Twitch message. */
const sentences = Array.from(
  { length: 8 },
  (_, n) => `Sentence ${n} ${'is long and says a lot '.repeat(5)}end.`,
);

describe('a streamed Twitch reply in whole sentences', () => {
  it('sends the rest of the answer at its end, also when cleaning took off its wrapping quotes', async () => {
    const submitted: string[] = [];
    const reply = new SentenceReply({
      submit: async (text) => void submitted.push(text),
      maxParts: 5,
      warn: () => {},
    });
    const streamed = `"${sentences.join(' ')}"`;
    for (let end = 50; end <= streamed.length; end += 50) reply.update(streamed.slice(0, end));
    reply.update(streamed);
    // The answer as the worker cleans it: the quotes around it are gone.
    await reply.finish(sentences.join(' '));
    expect(submitted.length).toBeGreaterThan(1);
    // Every sentence went out, once, in order.
    const said = submitted.join(' ').replaceAll('"', '');
    expect(said.replace(/\s+/g, ' ')).toBe(sentences.join(' '));
  });

  it('finds what went out in the cleaned answer, or says it all rather than lose its end', () => {
    expect(restAfter('One. Two. Three.', 'One. Two.')).toBe(' Three.');
    expect(
      restAfter('One long sentence here. Two more words. Three.', '"One long sentence here. Two more words.'),
    ).toBe(' Three.');
    expect(restAfter('Entirely different text.', 'Nothing alike at all, really.')).toBe(
      'Entirely different text.',
    );
    expect(restAfter('All of it.', '')).toBe('All of it.');
  });
});
