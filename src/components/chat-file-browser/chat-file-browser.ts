import '../chat-file-card/chat-file-card.js';
import { defineElement } from '../shared/define.js';
import { ChatFileBrowser } from './chat-file-browser.component.js';

export { ChatFileBrowser };
defineElement('chat-file-browser', ChatFileBrowser);

declare global {
  interface HTMLElementTagNameMap {
    'chat-file-browser': ChatFileBrowser;
  }
}
