import { defineElement } from '../shared/define.js';
import { ChatFileCard } from './chat-file-card.component.js';

export { ChatFileCard };
defineElement('chat-file-card', ChatFileCard);

declare global {
  interface HTMLElementTagNameMap {
    'chat-file-card': ChatFileCard;
  }
}
