/**
 * The page's translator (JupyterLab's ITranslator), kept where the lazily loaded streamer module
 * finds it: the plugin sets it when it activates, and each new streamer model takes it into its
 * environment. Until then, and where no translator is provided, the null translator shows the
 * English texts.
 */
import { ITranslator, nullTranslator } from '@jupyterlab/translation';

export const pageTranslator: { current: ITranslator } = { current: nullTranslator };
