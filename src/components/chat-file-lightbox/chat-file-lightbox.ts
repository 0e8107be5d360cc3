import { defineElement } from '../shared/define.js';
import { ChatFileLightbox } from './chat-file-lightbox.component.js';

export { ChatFileLightbox };
defineElement('chat-file-lightbox', ChatFileLightbox);

declare global {
  interface HTMLElementTagNameMap {
    'chat-file-lightbox': ChatFileLightbox;
  }
}
