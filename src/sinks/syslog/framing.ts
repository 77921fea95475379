/**
 * How messages go on the wire. TCP and TLS need framing: octet counting (`MSG-LEN SP MSG`,
 * RFC 6587 section 3.4.1 and RFC 5425 section 4.3) or a trailing LF (RFC 6587 section 3.4.2).
 * UDP sends one message per datagram (RFC 5426).
 */
export type Framing = 'octet-counting' | 'newline' | 'datagram';

/** Frames of one batch are joined into writes of about this size (fewer syscalls and callbacks). */
export const CHUNK_TARGET_BYTES = 64 * 1024;
