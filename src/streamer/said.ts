/**
 * Texts the browser composes that are both sent and shown: the status line's detail goes to the
 * kernel (`browser_status`, which notebooks and tests read in English) and is shown in the page's
 * language. One msgid is filled twice, in English and through the page's translator, so the two
 * copies never drift apart. Texts only shown (notices) are translated directly with `trans.__`.
 */
import { nullTranslator, TranslationBundle } from '@jupyterlab/translation';

import { TRANSLATION_DOMAIN } from './texts';

/**
 * The English texts (msgids are the English texts): what the kernel is sent, and the default of
 * every `trans` parameter. No text is translated through this name, so the extractor misses nothing.
 */
// eslint-disable-next-line jupyter/incorrect-translator-usage
export const ENGLISH: TranslationBundle = nullTranslator.load(TRANSLATION_DOMAIN);

/** One composed text: the English copy (sent, parsed) and the copy shown in the page's language. */
export interface ISaid {
  readonly english: string;
  readonly shown: string;
}

/**
 * Composes one text with `trans.__('literal', ...)` (so the extractor finds its msgid); `of` gives
 * a composed argument's copy in the same language.
 */
export type Compose = (trans: TranslationBundle, of: (arg: string | ISaid) => string) => string;

/** The text `compose` makes, once in English and once through `trans`. */
export function say(trans: TranslationBundle, compose: Compose): ISaid {
  return {
    english: compose(ENGLISH, (arg) => (typeof arg === 'string' ? arg : arg.english)),
    shown: compose(trans, (arg) => (typeof arg === 'string' ? arg : arg.shown)),
  };
}

/** Words shown as they are in both copies (the browser's or the kernel's own, or a fixed detail texts.ts translates). */
export function asSaid(text: string | ISaid): ISaid {
  return typeof text === 'string' ? { english: text, shown: text } : text;
}
