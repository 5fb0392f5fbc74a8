// Turns an input and a codec adapter into a runner for measure.mjs, and checks, before any
// timing, that the codec decodes/encodes that input correctly.
import { cut } from './inputs.mjs';
import { headerSize, readFrame } from './wire.mjs';

/**
 * Parse runner. prepare() copies the masked template into the working buffer (both codecs
 * unmask in place, so each run needs fresh masked bytes); it runs outside the timed region.
 * run() feeds the chunks and returns the number of messages delivered, each checked for
 * length and type.
 */
export function parseRunner(codec, input) {
  const work = Buffer.allocUnsafe(input.template.length);
  const chunks = cut(work, input.chunkSize);
  const { messageLength, binary } = input;
  let count = 0;
  let wrong = 0;
  const parser = codec.createParser((data, isBinary) => {
    count++;
    if (data.length !== messageLength || isBinary !== binary) wrong++;
  });
  return {
    messages: input.messages,
    payloadBytes: input.messages * messageLength,
    prepare() {
      input.template.copy(work);
    },
    run() {
      count = 0;
      parser.feed(chunks);
      if (wrong !== 0) throw new Error(`${codec.name}: ${wrong} messages of the wrong length or type in "${input.name}"`);
      return count;
    },
  };
}

/** Serialize runner: run() frames `messages` messages (all chunks counted) and checks the total wire size. */
export function serializeRunner(codec, input) {
  const serializer = codec.createSerializer(input);
  const { payload, messages } = input;
  const wireBytes = messages * (headerSize(input.messageLength, input.masked) + input.messageLength);
  return {
    messages,
    payloadBytes: messages * input.messageLength,
    prepare: undefined,
    run() {
      const bytes = serializer.frameMany(payload, messages);
      if (bytes !== wireBytes) throw new Error(`${codec.name}: ${bytes} bytes framed, ${wireBytes} expected in "${input.name}"`);
      return messages;
    },
  };
}

/** Feeds one fresh copy of the input and compares every delivered message with the payload. */
export function verifyParse(codec, input) {
  const work = Buffer.from(input.template);
  const seen = [];
  const parser = codec.createParser((data, isBinary) => {
    seen.push({ ok: isBinary === input.binary && Buffer.compare(Buffer.from(data.buffer, data.byteOffset, data.length), input.expected) === 0 });
  });
  parser.feed(cut(work, input.chunkSize));
  const good = seen.filter((m) => m.ok).length;
  if (seen.length !== input.messages || good !== input.messages) {
    throw new Error(`${codec.name}: "${input.name}" delivered ${seen.length} messages (${good} correct), ${input.messages} expected`);
  }
  return seen.length;
}

/** Frames one message and decodes it with the neutral reader: header bits, masking, payload. */
export function verifySerialize(codec, input) {
  const out = codec.createSerializer(input).frame(input.payload);
  const frame = readFrame(Buffer.concat(out));
  const expected = typeof input.payload === 'string' ? Buffer.from(input.payload, 'utf8') : input.payload;
  const ok = frame.fin && !frame.rsv1 && frame.opcode === input.opcode && frame.masked === input.masked && frame.payload.equals(expected);
  if (!ok) throw new Error(`${codec.name}: "${input.name}" produced a wrong frame`);
  return 1;
}
