/**
 * The reference chat app's page: log in, pick or create a room, read and send messages
 * live over socket.io.
 */
import { io, type Socket } from 'socket.io-client';
import {
  ChatFiles,
  isFileMessage,
  type ChatMessage,
  type PublicConfig,
} from '../../../src/index.js';

interface RoomView {
  id: string;
  name: string;
  type: string;
  member: boolean;
  members: string[];
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

async function api<T>(method: string, url: string, body?: unknown): Promise<T> {
  const response = await fetch(url, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'same-origin',
  });
  const data = (await response.json().catch(() => ({}))) as { error?: string };
  if (!response.ok)
    throw Object.assign(new Error(data.error ?? `HTTP ${response.status}`), {
      status: response.status,
    });
  return data as T;
}

/** Within this many pixels of the bottom the list counts as "at the newest message". */
const STICK_THRESHOLD_PX = 48;

class ChatPage {
  private username = '';
  /** Whether the message list follows the newest message (the reader has not scrolled up). */
  private stickToBottom = true;
  /** Keeps the list on the newest message when cards grow (previews load, progress appears). */
  private readonly resizes = new ResizeObserver(() => {
    if (this.stickToBottom) this.scrollToBottom();
  });
  private rooms: RoomView[] = [];
  private currentRoomId = '';
  private socket: Socket | null = null;
  private files: ChatFiles | null = null;

  async start(): Promise<void> {
    $('login-form').addEventListener('submit', (event) => {
      event.preventDefault();
      void this.login(($('login-name') as HTMLInputElement).value.trim());
    });
    $('logout').addEventListener('click', () => void this.logout());
    $('composer').addEventListener('submit', (event) => {
      event.preventDefault();
      void this.send();
    });
    $('new-room').addEventListener('submit', (event) => {
      event.preventDefault();
      void this.createRoom();
    });
    window.addEventListener('popstate', () => void this.openRoom(this.roomFromUrl(), false));
    $('files-toggle').addEventListener('click', () => this.toggleFiles());
    const messages = $('messages');
    messages.addEventListener(
      'scroll',
      () => {
        this.stickToBottom =
          messages.scrollHeight - messages.scrollTop - messages.clientHeight < STICK_THRESHOLD_PX;
      },
      { passive: true },
    );
    this.resizes.observe(messages);
    document.addEventListener('chat-file-error', (event) => {
      $('room-error').textContent = event.detail.message;
    });

    const me = await api<{ username: string | null }>('GET', '/auth/session').catch(() => null);
    if (me?.username) {
      await this.enter(me.username);
    } else {
      $('login').hidden = false;
      ($('login-name') as HTMLInputElement).focus();
    }
  }

  private roomFromUrl(): string {
    return new URLSearchParams(location.search).get('room') ?? 'general';
  }

  private async login(username: string): Promise<void> {
    try {
      await api('POST', '/auth/login', { username });
      $('login-error').textContent = '';
      await this.enter(username);
    } catch (error) {
      $('login-error').textContent = (error as Error).message;
    }
  }

  private async logout(): Promise<void> {
    await api('POST', '/auth/logout');
    location.assign('/');
  }

  private async enter(username: string): Promise<void> {
    this.username = username;
    $('login').hidden = true;
    $('chat').hidden = false;
    $('me').textContent = username;
    this.connect();
    await this.startFiles(username);
    await this.loadRooms();
    await this.openRoom(this.roomFromUrl(), false);
  }

  private connect(): void {
    // WebSocket only: behind a balancer without sticky sessions, polling would reach other nodes.
    const socket = io({ withCredentials: true, transports: ['websocket'] });
    this.socket = socket;
    const status = $('connection');
    socket.on('connect', () => {
      status.textContent = 'connected';
      document.body.dataset.socket = 'connected';
    });
    socket.on('disconnect', () => {
      status.textContent = 'reconnecting…';
      document.body.dataset.socket = 'disconnected';
    });
    socket.on('chat:message_received', (message: ChatMessage) => {
      if (message.room_id === this.currentRoomId) this.appendMessage(message);
    });
  }

  /** Sets up the chat-files client every element on the page uses. */
  private async startFiles(username: string): Promise<void> {
    const config = await api<PublicConfig>('GET', '/api/chat/files/config');
    this.files = new ChatFiles({ socket: this.socket!, username, config });
    ChatFiles.setDefault(this.files);
    const upload = $('upload');
    (upload as HTMLElement & { dropZone: HTMLElement | null }).dropZone = $('messages');
  }

  private toggleFiles(): void {
    const chat = $('chat');
    const showing = chat.dataset.view === 'files';
    chat.dataset.view = showing ? 'room' : 'files';
    $('files-view').hidden = showing;
    $('files-toggle').setAttribute('aria-pressed', String(!showing));
    if (!showing) void ($('browser') as HTMLElement & { reload(): Promise<void> }).reload();
  }

  private async loadRooms(): Promise<void> {
    const { rooms } = await api<{ rooms: RoomView[] }>('GET', '/api/rooms');
    this.rooms = rooms;
    this.renderRooms();
  }

  private renderRooms(): void {
    const list = $('rooms');
    list.replaceChildren(
      ...this.rooms.map((room) => {
        const item = document.createElement('li');
        if (room.member) {
          const link = document.createElement('a');
          link.href = `/?room=${encodeURIComponent(room.id)}`;
          link.textContent = `# ${room.name}`;
          if (room.id === this.currentRoomId) link.setAttribute('aria-current', 'page');
          link.addEventListener('click', (event) => {
            event.preventDefault();
            void this.openRoom(room.id, true);
          });
          item.append(link);
        } else {
          const join = document.createElement('button');
          join.type = 'button';
          join.textContent = `Join # ${room.name}`;
          join.addEventListener('click', () => void this.join(room.id));
          item.append(join);
        }
        return item;
      }),
    );
  }

  private async join(roomId: string): Promise<void> {
    await api('POST', `/api/rooms/${encodeURIComponent(roomId)}/join`);
    await this.loadRooms();
    await this.openRoom(roomId, true);
  }

  private async createRoom(): Promise<void> {
    const input = $('new-room-name') as HTMLInputElement;
    try {
      const room = await api<{ id: string }>('POST', '/api/rooms', { name: input.value.trim() });
      input.value = '';
      await this.loadRooms();
      await this.openRoom(room.id, true);
    } catch (error) {
      $('room-error').textContent = (error as Error).message;
    }
  }

  private async openRoom(idOrName: string, push: boolean): Promise<void> {
    const room =
      this.rooms.find((r) => r.id === idOrName) ?? this.rooms.find((r) => r.name === idOrName);
    $('room-error').textContent = '';
    if (!room) {
      $('room-error').textContent = `No room "${idOrName}".`;
      return;
    }
    if (!room.member) await api('POST', `/api/rooms/${encodeURIComponent(room.id)}/join`);
    this.currentRoomId = room.id;
    $('upload').setAttribute('room-id', room.id);
    void this.files?.loadCachedFilesForRoom(room.id);
    if (push) history.pushState(null, '', `/?room=${encodeURIComponent(room.id)}`);
    $('room-title').textContent = `# ${room.name}`;
    document.body.dataset.room = room.id;
    this.renderRooms();
    const { messages } = await api<{ messages: ChatMessage[] }>(
      'GET',
      `/api/rooms/${encodeURIComponent(room.id)}/messages`,
    );
    for (const item of $('messages').children) this.resizes.unobserve(item);
    $('messages').replaceChildren();
    this.stickToBottom = true;
    for (const message of messages) this.appendMessage(message);
    if (messages.length === 0) {
      const empty = document.createElement('li');
      empty.className = 'messages__empty';
      empty.textContent = 'No messages yet. Say hello or share a file.';
      $('messages').append(empty);
    }
    ($('composer-input') as HTMLInputElement).focus();
  }

  private appendMessage(message: ChatMessage): void {
    const list = $('messages');
    list.querySelector('.messages__empty')?.remove();
    const item = document.createElement('li');
    item.className = 'message';
    item.dataset.messageId = message.id;
    const meta = document.createElement('div');
    meta.className = 'message__meta';
    const sender = document.createElement('span');
    sender.className = 'message__sender';
    sender.textContent = message.sender;
    const time = document.createElement('time');
    time.dateTime = new Date(message.created_at).toISOString();
    time.textContent = new Date(message.created_at).toLocaleTimeString();
    meta.append(sender, time);
    const body = document.createElement('div');
    body.className = 'message__body';
    if (isFileMessage(message.content)) {
      const card = document.createElement('chat-file-card');
      card.message = message;
      body.append(card);
    } else {
      body.textContent = message.content;
    }
    item.append(meta, body);
    const follow = this.stickToBottom || message.sender === this.username;
    list.append(item);
    this.resizes.observe(item);
    if (follow) {
      this.stickToBottom = true;
      this.scrollToBottom();
    }
  }

  private scrollToBottom(): void {
    const list = $('messages');
    list.scrollTop = list.scrollHeight;
  }

  private async send(): Promise<void> {
    const input = $('composer-input') as HTMLInputElement;
    const content = input.value;
    if (!content.trim() || !this.socket) return;
    const reply = (await this.socket.emitWithAck('chat:send_message', {
      room_id: this.currentRoomId,
      content,
    })) as { success: boolean; error?: string };
    if (reply.success) {
      input.value = '';
      $('room-error').textContent = '';
    } else {
      $('room-error').textContent = reply.error ?? 'Could not send.';
    }
  }
}

void new ChatPage().start();
