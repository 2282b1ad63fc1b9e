import { OP_NAMES, PARAM_SCHEMAS, ParamError, isOpName, opKey, resolveOp, type OpSpec } from '@nightshift/proto';

/**
 * One line of a batch file, read but not yet checked against the batch's op: its text or its
 * tokens, and the op and params it names, if it names them. Three shapes are read:
 *
 *  - the OpenAI Batch API's request line, `{"custom_id", "method", "url", "body"}`: the text is
 *    body.input (a string, an array of one string, or token ids), body.text, body.prompt or the
 *    text of body.system and body.messages joined with newlines; body.op and body.params may name
 *    the op and its params;
 *  - an Anthropic Message Batches request, `{"custom_id", "params": {"messages", "system"?}}`:
 *    the text of system and messages, joined with newlines;
 *  - nightshift's own, the shape `submit` and `pipeline run` read: `{"custom_id", "text" |
 *    "tokens", "op"?, "params"?}`, tokens an array of unsigned 32-bit integers.
 */
export type BatchLine =
  | { customId: string; text: string; op?: string; params?: unknown }
  | { customId: string; tokens: number[]; op?: string; params?: unknown }
  | { customId?: string; error: string };

const MAX_CUSTOM_ID_BYTES = 256;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isTokens = (v: unknown): v is number[] => Array.isArray(v) && v.every((t) => Number.isInteger(t) && t >= 0 && t <= 0xffffffff);

export function parseBatchLine(line: string): BatchLine {
  let o: unknown;
  try {
    o = JSON.parse(line);
  } catch (err) {
    return { error: `not JSON (${(err as Error).message})` };
  }
  if (!isObject(o)) return { error: 'not a JSON object' };
  if (o.custom_id !== undefined && typeof o.custom_id !== 'string') return { error: '"custom_id" must be a string' };
  const customId = (o.custom_id as string | undefined) ?? '';
  if (Buffer.byteLength(customId) > MAX_CUSTOM_ID_BYTES) return { customId: customId.slice(0, 64), error: `"custom_id" must be at most ${MAX_CUSTOM_ID_BYTES} bytes` };
  const failed = (error: string): BatchLine => ({ customId, error });

  if (o.body !== undefined) {
    if (!isObject(o.body)) return failed('"body" must be a JSON object (the request)');
    const payload = bodyPayload(o.body);
    if (typeof payload === 'string') return failed(payload);
    return { customId, ...payload, ...opOf(o.body) };
  }
  if (isObject(o.params) && Array.isArray(o.params.messages)) {
    const text = chatText(o.params, 'params');
    return typeof text === 'string' ? { customId, text } : failed(text.error);
  }
  const own = opOf(o);
  if (typeof o.text === 'string') return { customId, text: o.text, ...own };
  if (isTokens(o.tokens)) return { customId, tokens: o.tokens, ...own };
  return failed('"text" (a string) or "tokens" (an array of unsigned 32-bit integers) is required, or a Batch API "body"');
}

function opOf(o: Record<string, unknown>): { op?: string; params?: unknown } {
  return { ...(o.op !== undefined ? { op: typeof o.op === 'string' ? o.op : String(o.op) } : {}), ...(o.params !== undefined ? { params: o.params } : {}) };
}

/** The text or tokens of a Batch API request body, or why it has none. */
function bodyPayload(body: Record<string, unknown>): { text: string } | { tokens: number[] } | string {
  if (body.input !== undefined) {
    const v = body.input;
    if (typeof v === 'string') return { text: v };
    if (Array.isArray(v) && v.length === 1 && typeof v[0] === 'string') return { text: v[0] };
    if (Array.isArray(v) && v.length > 0 && isTokens(v)) return { tokens: v };
    if (Array.isArray(v) && v.length === 1 && isTokens(v[0])) return { tokens: v[0] };
    return 'body.input must be a string, an array of one string, or token ids (an item is one text: one input a line)';
  }
  if (body.text !== undefined) return typeof body.text === 'string' ? { text: body.text } : 'body.text must be a string';
  if (body.prompt !== undefined) {
    const v = body.prompt;
    if (typeof v === 'string') return { text: v };
    if (Array.isArray(v) && v.length === 1 && typeof v[0] === 'string') return { text: v[0] };
    return 'body.prompt must be a string or an array of one string';
  }
  if (body.messages !== undefined) {
    const text = chatText(body, 'body');
    return typeof text === 'string' ? { text } : text.error;
  }
  return 'body has no text: body.input, body.text, body.prompt or body.messages is required';
}

/** The text of a chat request: its system prompt and each message's text, joined with newlines. */
function chatText(req: Record<string, unknown>, where: string): string | { error: string } {
  if (!Array.isArray(req.messages)) return { error: `${where}.messages must be an array` };
  const texts: string[] = [];
  const add = (content: unknown, at: string): string | undefined => {
    if (typeof content === 'string') texts.push(content);
    else if (Array.isArray(content)) {
      // Blocks: text ones are kept ({"type": "text", "text"}), images and the like are not text.
      for (const block of content) if (isObject(block) && typeof block.text === 'string') texts.push(block.text);
    } else if (content !== undefined && content !== null) return `${at} must be a string or an array of content blocks`;
    return undefined;
  };
  const bad = add(req.system, `${where}.system`);
  if (bad) return { error: bad };
  for (const [i, m] of req.messages.entries()) {
    if (!isObject(m)) return { error: `${where}.messages[${i}] must be an object` };
    const err = add(m.content, `${where}.messages[${i}].content`);
    if (err) return { error: err };
  }
  if (texts.length === 0) return { error: `${where}.messages holds no text` };
  return texts.join('\n');
}

const camel = (k: string) => k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
const snake = (k: string) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/**
 * An op and the params a user wrote, resolved with every default: params either wrapped by the
 * op's name (`{"minhash": {"num_perm": 64}}`, as the API has them) or its fields alone
 * (`{"num_perm": 64}`), in snake_case or camelCase. An unknown field is an error, not ignored.
 */
export function resolveUserOp(op: string, params: unknown): OpSpec {
  if (!isOpName(op)) throw new ParamError('op', `unknown op ${JSON.stringify(op.slice(0, 64))} (known: ${OP_NAMES.join(', ')})`);
  if (params === undefined || params === null) return resolveOp(op, null);
  if (!isObject(params)) throw new ParamError('params', 'must be a JSON object');
  let fields: Record<string, unknown> = params;
  const named = Object.keys(params).filter((k) => isOpName(k));
  if (named.length > 0) {
    if (named.length > 1 || Object.keys(params).length > 1) throw new ParamError('params', `one op's params, not ${Object.keys(params).join(', ')}`);
    if (named[0] !== op) throw new ParamError('params', `${named[0]} params given for op ${op}`);
    if (!isObject(params[op])) throw new ParamError(`params.${op}`, 'must be a JSON object');
    fields = params[op] as Record<string, unknown>;
  }
  const known = Object.keys(PARAM_SCHEMAS[op].shape);
  const wire: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) {
    const name = camel(k);
    if (!known.includes(name)) throw new ParamError(`params.${op}`, `unknown field ${JSON.stringify(k)} (known: ${known.map(snake).join(', ')})`);
    // Seeds are decimal strings (they go to 2^64−1); a JSON number is taken while it is exact.
    if (name === 'seed' && typeof v === 'number') {
      if (!Number.isSafeInteger(v)) throw new ParamError(`params.${op}.seed`, 'give a seed above 2^53 as a decimal string');
      wire[name] = String(v);
    } else wire[name] = v;
  }
  return resolveOp(op, { [op]: wire } as never);
}

/**
 * Each line's op and params against the batch's one: a line names them (op, params, body.op,
 * body.params) or takes the flags'; the first good line sets the batch's; a later line that
 * differs is a bad line. Resolutions are remembered, as most lines repeat the same few.
 */
export class BatchOp {
  spec: OpSpec | undefined;
  private key = '';
  private readonly seen = new Map<string, { spec: OpSpec; key: string } | string>();

  constructor(private readonly flags: { op?: string; params?: unknown }) {}

  /** The spec of a line's op and params, or why the line cannot join the batch. */
  check(line: { op?: string; params?: unknown }, specLine: () => string): string | undefined {
    const op = line.op ?? this.flags.op;
    if (!op) return 'no op: give --op, or "op" (body.op in a Batch API line)';
    const params = line.params !== undefined ? line.params : this.flags.params;
    const memo = `${op}\u0000${params === undefined ? '' : JSON.stringify(params)}`;
    let r = this.seen.get(memo);
    if (r === undefined) {
      try {
        const spec = resolveUserOp(op, params);
        r = { spec, key: opKey(spec) };
      } catch (err) {
        if (!(err instanceof ParamError)) throw err;
        r = err.message;
      }
      if (this.seen.size >= 256) this.seen.clear();
      this.seen.set(memo, r);
    }
    if (typeof r === 'string') return r;
    if (!this.spec) {
      this.spec = r.spec;
      this.key = r.key;
    } else if (r.key !== this.key) {
      return `op ${r.key} differs from the batch's ${this.key} (${specLine()}): a batch runs one op with one set of params`;
    }
    return undefined;
  }
}
