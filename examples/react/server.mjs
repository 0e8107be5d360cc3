// The minimal chat's server, serving the React page that examples/react/build.mjs built.
// Start it with `npm run example:react` (after `npm run build`).
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import express from 'express';
import { Server } from 'socket.io';
import { authInputFrom, createChatFilesServer, sessionToken } from 'chat-files/server';

const app = express();
const http = createServer(app);
const io = new Server(http);
const sessions = new Map(); // session token -> username
const userOf = (input) => sessions.get(sessionToken(input, { cookie: 'sid' })) ?? null;

app.use(express.urlencoded({ extended: false }));
app.use(express.static(new URL('dist', import.meta.url).pathname));
app.post('/login', (req, res) => {
  const token = randomBytes(16).toString('hex');
  sessions.set(token, String(req.body.username).slice(0, 32));
  res.cookie('sid', token, { httpOnly: true, sameSite: 'lax' }).redirect('/');
});

io.on('connection', (socket) => {
  const sender = userOf(authInputFrom(socket));
  if (!sender) return socket.disconnect();
  socket.on('chat message', (content) => {
    const message = { room_id: 'lobby', sender, content: String(content), created_at: Date.now() };
    io.emit('chat:message_received', message);
  });
});

const files = createChatFilesServer({
  dataDir: process.env.DATA_DIR ?? 'data/react',
  host: { authenticate: userOf, listRoomIds: () => ['lobby'] },
});
app.use('/api/chat/files', files.router);
files.attach(io);

const port = Number(process.env.PORT ?? 3000);
http.listen(port, () => console.log(`react chat ready at http://localhost:${port}`));
