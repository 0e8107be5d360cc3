/**
 * A React chat page with file sharing: `chat-files/react` gives the elements as
 * components; `connect` signs the SDK in with the page's socket and cookie.
 */
import { useEffect, useRef, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { io } from 'socket.io-client';
import { connect, isFileMessage, type ChatMessage } from 'chat-files';
import { ChatFileCard, ChatFileUpload } from 'chat-files/react';

type Message = Pick<ChatMessage, 'room_id' | 'sender' | 'content'> & Partial<ChatMessage>;

function App() {
  const [status, setStatus] = useState<'connecting' | 'ready' | 'signed-out'>('connecting');
  const [messages, setMessages] = useState<Message[]>([]);
  const [socket] = useState(() => io({ autoConnect: false }));
  const text = useRef<HTMLInputElement>(null);

  useEffect(() => {
    socket.on('chat:message_received', (m: Message) => setMessages((list) => [...list, m]));
    socket.connect();
    const client = connect({ socket });
    client.then(
      () => setStatus('ready'),
      () => setStatus('signed-out'),
    );
    return () => {
      void client.then((c) => c.destroy()).catch(() => {});
      socket.disconnect();
    };
  }, [socket]);

  if (status === 'signed-out') {
    return (
      <form method="post" action="/login">
        <input name="username" placeholder="Your name" required /> <button>Log in</button>
      </form>
    );
  }
  if (status === 'connecting') return <p>Connecting…</p>;
  return (
    <main>
      <ul>
        {messages.map((message, index) => (
          <li key={message.id ?? index}>
            {message.sender}:{' '}
            {isFileMessage(message.content) ? (
              <ChatFileCard message={message as ChatMessage} />
            ) : (
              message.content
            )}
          </li>
        ))}
      </ul>
      <form
        style={{ display: 'flex', gap: '0.5rem', alignItems: 'center' }}
        onSubmit={(event) => {
          event.preventDefault();
          socket.emit('chat message', text.current!.value);
          text.current!.value = '';
        }}
      >
        <input ref={text} placeholder="Message" autoComplete="off" /> <button>Send</button>
        <ChatFileUpload roomId="lobby" onShare={(e) => console.log('shared', e.detail.name)} />
      </form>
    </main>
  );
}

createRoot(document.getElementById('root')!).render(<App />);
