import { connect, type Socket } from 'node:net';

/**
 * A lean SMTP client for the intake benchmark, sending as a mail server
 * does (RFC 5321 with PIPELINING, RFC 2920: MAIL, RCPT and DATA in one
 * write when the server offers it), one message at a time on one
 * connection. The benchmark's clients share the 2 cores with the server;
 * nodemailer spent about 1 ms of CPU a message building and streaming it,
 * which is not what a sending MTA costs, so this one measures the server.
 */
export class BenchSmtpClient {
  private buffered = '';
  private waiting: { resolve: (reply: string) => void; reject: (e: Error) => void }[] = [];
  private failure: Error | undefined;
  private pipelining = false;

  private constructor(private readonly socket: Socket) {
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => this.receive(chunk));
    const fail = (err: Error) => {
      this.failure = err;
      for (const w of this.waiting.splice(0)) w.reject(err);
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('connection closed')));
  }

  static async open(port: number, host = '127.0.0.1'): Promise<BenchSmtpClient> {
    const socket = connect({ port, host, noDelay: true });
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const client = new BenchSmtpClient(socket);
    expect(await client.reply(), '220');
    socket.write('EHLO bench.example\r\n');
    const ehlo = await client.reply();
    expect(ehlo, '250');
    client.pipelining = /^250[- ]PIPELINING\b/im.test(ehlo);
    return client;
  }

  /** Send one message; resolves with the server's final reply (`250 …`), rejects on any other. */
  async send(from: string, to: string, message: Buffer): Promise<string> {
    const commands = [`MAIL FROM:<${from}>\r\n`, `RCPT TO:<${to}>\r\n`, 'DATA\r\n'];
    const expected = ['250', '250', '354'];
    if (this.pipelining) {
      this.socket.write(commands.join(''));
      for (const code of expected) expect(await this.reply(), code);
    } else {
      for (const [i, command] of commands.entries()) {
        this.socket.write(command);
        expect(await this.reply(), expected[i]!);
      }
    }
    this.socket.write(dotStuffed(message));
    this.socket.write(message.length && message[message.length - 1] === 0x0a ? '.\r\n' : '\r\n.\r\n');
    const final = await this.reply();
    expect(final, '250');
    return final;
  }

  async close(): Promise<void> {
    this.socket.write('QUIT\r\n');
    await this.reply().catch(() => undefined);
    this.socket.destroy();
  }

  /** The next complete reply (all its lines). */
  private reply(): Promise<string> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.deliver();
    });
  }

  private receive(chunk: string) {
    this.buffered += chunk;
    this.deliver();
  }

  private deliver() {
    while (this.waiting.length) {
      // A reply ends with a line "NNN text" (a space, not a hyphen, after the code).
      const end = /^\d{3}(?: [^\r\n]*)?\r\n/m.exec(this.buffered);
      if (!end) return;
      const at = end.index + end[0].length;
      const reply = this.buffered.slice(0, at);
      this.buffered = this.buffered.slice(at);
      this.waiting.shift()!.resolve(reply);
    }
  }
}

function expect(reply: string, code: string): void {
  const last = reply.trimEnd().split('\r\n').pop() ?? '';
  if (!last.startsWith(code)) throw new Error(`expected ${code}, the server said: ${reply.trim()}`);
}

/** Lines starting with "." get one more (RFC 5321 §4.5.2). */
function dotStuffed(message: Buffer): Buffer {
  if (message[0] !== 0x2e && message.indexOf('\n.') < 0) return message;
  const text = message.toString('latin1');
  return Buffer.from((text.startsWith('.') ? '.' : '') + text.replace(/\n\./g, '\n..'), 'latin1');
}
