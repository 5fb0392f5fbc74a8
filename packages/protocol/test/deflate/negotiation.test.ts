import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HandshakeError } from '../../src/errors.js';
import { parseExtensions } from '../../src/extensions-header.js';
import {
  type PerMessageDeflateOptions,
  acceptDeflateResponse,
  buildDeflateOffer,
  deflateOfferError,
  negotiateDeflateServer,
} from '../../src/deflate/negotiation.js';

const DEFAULTS = {
  serverNoContextTakeover: false,
  clientNoContextTakeover: false,
  serverMaxWindowBits: 15,
  clientMaxWindowBits: 15,
};

const server = (header: string, options?: PerMessageDeflateOptions) => negotiateDeflateServer(parseExtensions(header), options);
const client = (response: string, options?: PerMessageDeflateOptions) => acceptDeflateResponse(parseExtensions(response)[0], options);

function expectRefused(response: string, options: PerMessageDeflateOptions | undefined, message?: RegExp): void {
  try {
    client(response, options);
  } catch (error) {
    expect(error).toBeInstanceOf(HandshakeError);
    expect((error as HandshakeError).code).toBe('WS_ERR_HANDSHAKE_EXTENSION');
    if (message) expect((error as Error).message).toMatch(message);
    return;
  }
  throw new Error(`expected ${JSON.stringify(response)} to be refused`);
}

describe('negotiateDeflateServer', () => {
  it('accepts a plain offer with defaults', () => {
    expect(server('permessage-deflate')).toEqual({ params: DEFAULTS, response: 'permessage-deflate' });
  });

  it('declines when nothing is permessage-deflate', () => {
    expect(negotiateDeflateServer([])).toBeUndefined();
    expect(server('x-webkit-deflate-frame, foo; bar')).toBeUndefined();
  });

  it('skips other extensions before the deflate offer', () => {
    expect(server('foo, permessage-deflate; client_no_context_takeover')?.response).toBe(
      'permessage-deflate; client_no_context_takeover',
    );
  });

  describe('RFC 7692 §7.1.3 style offers', () => {
    it('accepts the first of "client_max_window_bits; server_max_window_bits=10" with fallback', () => {
      const offer = 'permessage-deflate; client_max_window_bits; server_max_window_bits=10, permessage-deflate; client_max_window_bits';
      expect(server(offer)).toEqual({
        params: { ...DEFAULTS, serverMaxWindowBits: 10 },
        response: 'permessage-deflate; server_max_window_bits=10',
      });
    });

    it('answers "client_max_window_bits, permessage-deflate" with the first offer', () => {
      const offer = 'permessage-deflate; client_max_window_bits, permessage-deflate';
      expect(server(offer)).toEqual({ params: DEFAULTS, response: 'permessage-deflate' });
      expect(server(offer, { clientMaxWindowBits: 10 })).toEqual({
        params: { ...DEFAULTS, clientMaxWindowBits: 10 },
        response: 'permessage-deflate; client_max_window_bits=10',
      });
    });

    it('falls back to a later offer when an earlier one cannot be honoured', () => {
      expect(server('permessage-deflate, permessage-deflate; client_max_window_bits', { clientMaxWindowBits: 10 })?.response).toBe(
        'permessage-deflate; client_max_window_bits=10',
      );
      expect(server('permessage-deflate; server_no_context_takeover, permessage-deflate', { serverMaxWindowBits: 8 })?.response).toBe(
        'permessage-deflate; server_no_context_takeover; server_max_window_bits=8',
      );
    });
  });

  describe('context takeover', () => {
    it('honours server_no_context_takeover from the offer', () => {
      expect(server('permessage-deflate; server_no_context_takeover')).toEqual({
        params: { ...DEFAULTS, serverNoContextTakeover: true },
        response: 'permessage-deflate; server_no_context_takeover',
      });
    });

    it('echoes client_no_context_takeover from the offer', () => {
      expect(server('permessage-deflate; client_no_context_takeover')?.params.clientNoContextTakeover).toBe(true);
    });

    it('imposes both when configured, even if not offered', () => {
      expect(server('permessage-deflate', { serverNoContextTakeover: true, clientNoContextTakeover: true })).toEqual({
        params: { ...DEFAULTS, serverNoContextTakeover: true, clientNoContextTakeover: true },
        response: 'permessage-deflate; server_no_context_takeover; client_no_context_takeover',
      });
    });
  });

  describe('server_max_window_bits', () => {
    it('answers with the smaller of the request and the option', () => {
      expect(server('permessage-deflate; server_max_window_bits=10', { serverMaxWindowBits: 12 })?.response).toBe(
        'permessage-deflate; server_max_window_bits=10',
      );
      expect(server('permessage-deflate; server_max_window_bits=10', { serverMaxWindowBits: 9 })).toEqual({
        params: { ...DEFAULTS, serverMaxWindowBits: 9 },
        response: 'permessage-deflate; server_max_window_bits=9',
      });
    });

    it('names its own window when smaller than 15 even if not asked, and stays silent for 15', () => {
      expect(server('permessage-deflate', { serverMaxWindowBits: 12 })).toEqual({
        params: { ...DEFAULTS, serverMaxWindowBits: 12 },
        response: 'permessage-deflate; server_max_window_bits=12',
      });
      expect(server('permessage-deflate', { serverMaxWindowBits: 15 })?.response).toBe('permessage-deflate');
    });

    it('echoes a requested 15', () => {
      expect(server('permessage-deflate; server_max_window_bits=15')?.response).toBe('permessage-deflate; server_max_window_bits=15');
    });

    it('accepts a quoted value', () => {
      expect(server('permessage-deflate; server_max_window_bits="11"')?.params.serverMaxWindowBits).toBe(11);
    });

    it('accepts an offer asking for an 8-bit window, as ws does (zlib compresses with 9, which an 8-bit inflater reads)', () => {
      expect(server('permessage-deflate; server_max_window_bits=8')).toEqual({
        params: { ...DEFAULTS, serverMaxWindowBits: 8 },
        response: 'permessage-deflate; server_max_window_bits=8',
      });
      expect(server('permessage-deflate; server_max_window_bits=8', { serverMaxWindowBits: 9 })?.params.serverMaxWindowBits).toBe(8);
    });
  });

  describe('client_max_window_bits', () => {
    it('is not sent when the client did not offer it', () => {
      expect(server('permessage-deflate')?.response).toBe('permessage-deflate');
      expect(server('permessage-deflate', { clientMaxWindowBits: true })?.response).toBe('permessage-deflate');
    });

    it('declines offers without it when a cap is configured', () => {
      expect(server('permessage-deflate', { clientMaxWindowBits: 10 })).toBeUndefined();
    });

    it('stays silent for a bare offer without a cap, and sends the cap otherwise', () => {
      expect(server('permessage-deflate; client_max_window_bits')).toEqual({ params: DEFAULTS, response: 'permessage-deflate' });
      expect(server('permessage-deflate; client_max_window_bits', { clientMaxWindowBits: true })?.response).toBe(
        'permessage-deflate',
      );
      expect(server('permessage-deflate; client_max_window_bits', { clientMaxWindowBits: 8 })).toEqual({
        params: { ...DEFAULTS, clientMaxWindowBits: 8 },
        response: 'permessage-deflate; client_max_window_bits=8',
      });
    });

    it('echoes a hinted value, narrowed by the cap', () => {
      expect(server('permessage-deflate; client_max_window_bits=12')?.response).toBe('permessage-deflate; client_max_window_bits=12');
      expect(server('permessage-deflate; client_max_window_bits=12', { clientMaxWindowBits: 10 })?.params.clientMaxWindowBits).toBe(10);
      expect(server('permessage-deflate; client_max_window_bits=9', { clientMaxWindowBits: 12 })?.response).toBe(
        'permessage-deflate; client_max_window_bits=9',
      );
    });
  });

  it.each([
    ['an unknown parameter', 'permessage-deflate; foo'],
    ['a repeated parameter', 'permessage-deflate; server_no_context_takeover; server_no_context_takeover'],
    ['a repeated window parameter', 'permessage-deflate; client_max_window_bits; client_max_window_bits=10'],
    ['a value on server_no_context_takeover', 'permessage-deflate; server_no_context_takeover=1'],
    ['a value on client_no_context_takeover', 'permessage-deflate; client_no_context_takeover=true'],
    ['server_max_window_bits without a value', 'permessage-deflate; server_max_window_bits'],
    ['a window of 7', 'permessage-deflate; server_max_window_bits=7'],
    ['a window of 16', 'permessage-deflate; client_max_window_bits=16'],
    ['a leading zero', 'permessage-deflate; server_max_window_bits=010'],
    ['a leading zero on one digit', 'permessage-deflate; client_max_window_bits=09'],
    ['a non-digit value', 'permessage-deflate; server_max_window_bits=1a'],
    ['a sign', 'permessage-deflate; server_max_window_bits=+9'],
  ])('declines an offer with %s and takes the next one', (_name, offer) => {
    expect(server(offer)).toBeUndefined();
    expect(server(`${offer}, permessage-deflate; client_no_context_takeover`)?.response).toBe(
      'permessage-deflate; client_no_context_takeover',
    );
  });

  it('validates its options', () => {
    expect(() => negotiateDeflateServer([], { serverMaxWindowBits: 8 })).not.toThrow();
    expect(() => negotiateDeflateServer([], { serverMaxWindowBits: 7 })).toThrow('serverMaxWindowBits must be an integer from 8 to 15');
    expect(() => negotiateDeflateServer([], { serverMaxWindowBits: 16 })).toThrow(RangeError);
    expect(() => negotiateDeflateServer([], { clientMaxWindowBits: 7 })).toThrow(RangeError);
    expect(() => negotiateDeflateServer([], { clientMaxWindowBits: 10.5 })).toThrow(RangeError);
    expect(() => negotiateDeflateServer([], { serverNoContextTakeover: 'yes' as never })).toThrow(TypeError);
    expect(() => negotiateDeflateServer([], { clientMaxWindowBits: 8 })).not.toThrow();
  });
});

describe('buildDeflateOffer', () => {
  it('offers plain permessage-deflate by default', () => {
    expect(buildDeflateOffer()).toBe('permessage-deflate');
  });

  it('offers every configured parameter', () => {
    expect(
      buildDeflateOffer({ serverNoContextTakeover: true, clientNoContextTakeover: true, serverMaxWindowBits: 10, clientMaxWindowBits: 11 }),
    ).toBe(
      'permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=10; client_max_window_bits=11',
    );
    expect(buildDeflateOffer({ clientMaxWindowBits: true })).toBe('permessage-deflate; client_max_window_bits');
    expect(buildDeflateOffer({ serverMaxWindowBits: 8 })).toBe('permessage-deflate; server_max_window_bits=8');
  });

  it('offers any window RFC 7692 allows (8–15), nothing else', () => {
    expect(buildDeflateOffer({ clientMaxWindowBits: 8 })).toBe('permessage-deflate; client_max_window_bits=8');
    expect(() => buildDeflateOffer({ serverMaxWindowBits: 7 })).toThrow(RangeError);
  });
});

describe('acceptDeflateResponse', () => {
  it('accepts a plain response', () => {
    expect(client('permessage-deflate')).toEqual(DEFAULTS);
  });

  it('accepts no-context-takeover parameters the server adds on its own', () => {
    expect(client('permessage-deflate; server_no_context_takeover; client_no_context_takeover')).toEqual({
      ...DEFAULTS,
      serverNoContextTakeover: true,
      clientNoContextTakeover: true,
    });
  });

  it('requires server_no_context_takeover when it was asked for', () => {
    expect(client('permessage-deflate; server_no_context_takeover', { serverNoContextTakeover: true }).serverNoContextTakeover).toBe(true);
    expectRefused('permessage-deflate', { serverNoContextTakeover: true }, /server_no_context_takeover/);
  });

  it('accepts any server window 8–15 when none was asked for (the client only inflates)', () => {
    expect(client('permessage-deflate; server_max_window_bits=8').serverMaxWindowBits).toBe(8);
    expect(client('permessage-deflate; server_max_window_bits=15').serverMaxWindowBits).toBe(15);
  });

  it('requires a server window no larger than asked for', () => {
    expect(client('permessage-deflate; server_max_window_bits=10', { serverMaxWindowBits: 10 }).serverMaxWindowBits).toBe(10);
    expect(client('permessage-deflate; server_max_window_bits=9', { serverMaxWindowBits: 10 }).serverMaxWindowBits).toBe(9);
    expectRefused('permessage-deflate; server_max_window_bits=11', { serverMaxWindowBits: 10 }, /exceeds/);
    expectRefused('permessage-deflate', { serverMaxWindowBits: 10 }, /not accepted/);
  });

  it('refuses client_max_window_bits when it was not offered', () => {
    expectRefused('permessage-deflate; client_max_window_bits=10', undefined, /not offered/);
  });

  it('uses the window the server gives, or our own hint', () => {
    expect(client('permessage-deflate; client_max_window_bits=10', { clientMaxWindowBits: true }).clientMaxWindowBits).toBe(10);
    expect(client('permessage-deflate', { clientMaxWindowBits: true }).clientMaxWindowBits).toBe(15);
    expect(client('permessage-deflate', { clientMaxWindowBits: 11 }).clientMaxWindowBits).toBe(11);
    expect(client('permessage-deflate; client_max_window_bits=10', { clientMaxWindowBits: 11 }).clientMaxWindowBits).toBe(10);
    expect(client('permessage-deflate; client_max_window_bits=12', { clientMaxWindowBits: 11 }).clientMaxWindowBits).toBe(11);
  });

  it('accepts being told to compress with an 8-bit window, as ws does', () => {
    expect(client('permessage-deflate; client_max_window_bits=8', { clientMaxWindowBits: true }).clientMaxWindowBits).toBe(8);
  });

  it.each([
    ['another extension', 'x-webkit-deflate-frame'],
    ['an unknown parameter', 'permessage-deflate; foo'],
    ['a repeated parameter', 'permessage-deflate; client_no_context_takeover; client_no_context_takeover'],
    ['a value on a takeover parameter', 'permessage-deflate; server_no_context_takeover=1'],
    ['client_max_window_bits without a value', 'permessage-deflate; client_max_window_bits'],
    ['server_max_window_bits without a value', 'permessage-deflate; server_max_window_bits'],
    ['a window of 16', 'permessage-deflate; server_max_window_bits=16'],
    ['a window of 7', 'permessage-deflate; client_max_window_bits=7'],
    ['a leading zero', 'permessage-deflate; server_max_window_bits=09'],
  ])('refuses %s', (_name, response) => {
    expectRefused(response, { clientMaxWindowBits: true });
  });
});

describe('offer → negotiate → accept', () => {
  const bits = (min: number) => fc.option(fc.integer({ min, max: 15 }), { nil: undefined });
  const options = () =>
    fc.record(
      {
        serverNoContextTakeover: fc.boolean(),
        clientNoContextTakeover: fc.boolean(),
        serverMaxWindowBits: bits(8),
        clientMaxWindowBits: fc.oneof(bits(8), fc.constant<true>(true)),
      },
      { requiredKeys: [] },
    );

  it('makes both ends agree on the same parameters, or the server declines', () => {
    fc.assert(
      fc.property(options(), options(), (clientOptions, serverOptions) => {
        const negotiated = negotiateDeflateServer(parseExtensions(buildDeflateOffer(clientOptions)), serverOptions);
        if (negotiated === undefined) return;
        const response = parseExtensions(negotiated.response);
        expect(response).toHaveLength(1);
        expect(acceptDeflateResponse(response[0], clientOptions)).toEqual(negotiated.params);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('deflateOfferError', () => {
  it('says why an offer is invalid, and nothing for a valid one', () => {
    const offer = (value: string) => parseExtensions(value)[0];
    expect(deflateOfferError(offer('permessage-deflate; client_max_window_bits; server_max_window_bits=8'))).toBeUndefined();
    expect(deflateOfferError(offer('permessage-deflate; foo=1'))).toBe('unknown parameter foo');
    expect(deflateOfferError(offer('permessage-deflate; client_max_window_bits=7'))).toBe('invalid client_max_window_bits value');
    expect(deflateOfferError(offer('permessage-deflate; server_no_context_takeover; server_no_context_takeover'))).toMatch(/more than once/);
  });
});
