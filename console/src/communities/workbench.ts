import './editor.css';
import type { CommunityConfig } from './config-types.js';
import { communityEditor } from './editor.js';
import { testPanel } from './test-panel.js';

/**
 * The editor and the Test panel of one community. The Communities page imports this module when a
 * community is first opened (a chunk of its own, with its CSS), so that the console's first load
 * does not carry the editor (about half of the console's script).
 */
export function communityWorkbench(
  config: CommunityConfig,
  onSaved: (config: CommunityConfig) => void,
): HTMLElement[] {
  return [communityEditor(config, onSaved), testPanel(config.community_id)];
}
