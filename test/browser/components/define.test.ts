import { expect } from '@open-wc/testing';
import { defineElement } from '../../../src/components/shared/define.js';
import { ChatFileCard } from '../../../src/components/chat-file-card/chat-file-card.js';

describe('defineElement', () => {
  it('lets a second copy of the SDK register the same tags without throwing', () => {
    class SecondCopy extends ChatFileCard {}
    expect(() => defineElement('chat-file-card', SecondCopy)).not.to.throw();
    expect(customElements.get('chat-file-card')).to.equal(ChatFileCard);
  });
});
