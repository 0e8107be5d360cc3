import { defineElement } from '../shared/define.js';
import { ChatFileUpload } from './chat-file-upload.component.js';

export { ChatFileUpload };
defineElement('chat-file-upload', ChatFileUpload);

declare global {
  interface HTMLElementTagNameMap {
    'chat-file-upload': ChatFileUpload;
  }
}
