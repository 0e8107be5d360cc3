/**
 * `chat-files/react`: the three elements as React components, with typed props and
 * `on…` event props. Importing this module registers the elements (through `chat-files`).
 */
import { createComponent, type EventName } from '@lit/react';
import * as React from 'react';
import {
  ChatFileBrowser as ChatFileBrowserElement,
  ChatFileCard as ChatFileCardElement,
  ChatFileUpload as ChatFileUploadElement,
  type ChatFileCompleteDetail,
  type ChatFileErrorDetail,
  type ChatFileShareDetail,
  type ChatFileStateDetail,
} from '../index.js';

/** `<chat-file-upload>` for React: `roomId`, `client`, `onShare`, `onError`. */
export const ChatFileUpload = createComponent({
  react: React,
  tagName: 'chat-file-upload',
  elementClass: ChatFileUploadElement,
  events: {
    onShare: 'chat-file-share' as EventName<CustomEvent<ChatFileShareDetail>>,
    onError: 'chat-file-error' as EventName<CustomEvent<ChatFileErrorDetail>>,
  },
  displayName: 'ChatFileUpload',
});

/** `<chat-file-card>` for React: `message` (a `[FILE]` chat message), `onStateChange`, `onComplete`, `onError`. */
export const ChatFileCard = createComponent({
  react: React,
  tagName: 'chat-file-card',
  elementClass: ChatFileCardElement,
  events: {
    onStateChange: 'chat-file-state' as EventName<CustomEvent<ChatFileStateDetail>>,
    onComplete: 'chat-file-complete' as EventName<CustomEvent<ChatFileCompleteDetail>>,
    onError: 'chat-file-error' as EventName<CustomEvent<ChatFileErrorDetail>>,
  },
  displayName: 'ChatFileCard',
});

/** `<chat-file-browser>` for React: `storagePrefix`, `view`, `onError`. */
export const ChatFileBrowser = createComponent({
  react: React,
  tagName: 'chat-file-browser',
  elementClass: ChatFileBrowserElement,
  events: {
    onError: 'chat-file-error' as EventName<CustomEvent<ChatFileErrorDetail>>,
  },
  displayName: 'ChatFileBrowser',
});
