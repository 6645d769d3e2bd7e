package io.dcos.backup.store;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PushbackInputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Client-side encryption of archives at rest: AES-256-GCM in authenticated chunks, with the JDK's {@code javax.crypto}
 * (a maintained, FIPS-validatable provider that every JVM has; GCM is an AEAD, so no separate MAC or padding).
 *
 * <p>Format: {@code MBKENC01}, the key id (one length byte, UTF-8; the key itself is never written), an 8-byte random
 * nonce prefix; then chunks of at most {@link #CHUNK} plaintext bytes, each {@code [last flag][ciphertext length]
 * [ciphertext + 16-byte tag]}. A chunk's nonce is the prefix and its index; its associated data is the header, its
 * index and its flag. So a chunk changed, dropped, reordered or moved to another archive fails its tag, and a stream
 * cut after any chunk but the flagged last one is refused: truncation cannot pass as a shorter archive. Streams hold
 * one chunk at a time.
 */
public final class ChunkedEncryption {
  static final byte[] MAGIC = "MBKENC01".getBytes(StandardCharsets.US_ASCII);
  static final int CHUNK = 1024 * 1024;
  private static final int TAG_BITS = 128;
  private static final int TAG_BYTES = TAG_BITS / 8;
  private static final SecureRandom RANDOM = new SecureRandom();

  private ChunkedEncryption() {}

  /** Rejects keys that are not 32 bytes (AES-256) and ids that do not fit the header. */
  public static void validateKey(String keyId, byte[] key) {
    if (keyId == null || keyId.isEmpty() || keyId.getBytes(StandardCharsets.UTF_8).length > 255) {
      throw new IllegalArgumentException("an encryption key id must have 1 to 255 bytes");
    }
    if (key == null || key.length != 32) {
      throw new IllegalArgumentException("encryption key " + keyId + " must be 32 bytes (AES-256), it has "
          + (key == null ? 0 : key.length));
    }
  }

  /** The ciphertext of {@code plain}, read as it is produced. */
  public static InputStream encrypt(InputStream plain, String keyId, byte[] key) {
    validateKey(keyId, key);
    byte[] prefix = new byte[8];
    RANDOM.nextBytes(prefix);
    return new Encrypting(plain, header(keyId, prefix), prefix, key);
  }

  /**
   * The plaintext of {@code stored} if it is encrypted (with a key from {@code keys}), else {@code stored} as it is
   * (archives written before encryption was turned on stay readable).
   */
  public static InputStream decryptIfEncrypted(InputStream stored, Map<String, byte[]> keys, String what)
      throws IOException {
    PushbackInputStream in = new PushbackInputStream(stored, MAGIC.length);
    byte[] start = in.readNBytes(MAGIC.length);
    in.unread(start);
    if (!Arrays.equals(start, MAGIC)) {
      return in;
    }
    DataInputStream data = new DataInputStream(in);
    data.readFully(new byte[MAGIC.length]);
    int idLength = data.readUnsignedByte();
    byte[] id = new byte[idLength];
    data.readFully(id);
    byte[] prefix = new byte[8];
    data.readFully(prefix);
    String keyId = new String(id, StandardCharsets.UTF_8);
    byte[] key = keys == null ? null : keys.get(keyId);
    if (key == null) {
      throw new ArchiveCorruptException(what + " is encrypted with key \"" + keyId + "\", which the location's key "
          + "Secret does not hold" + (keys == null || keys.isEmpty() ? " (the location has no encryption keys)"
              : " (it holds " + String.join(", ", new java.util.TreeSet<>(keys.keySet())) + ")"));
    }
    return new Decrypting(data, header(keyId, prefix), prefix, key, what);
  }

  /** The most a header takes: magic, length byte, a 255-byte id, nonce prefix. */
  static final int MAX_HEADER = MAGIC.length + 1 + 255 + 8;

  /**
   * The id of the key {@code stored} is encrypted with, read from its header (plaintext, and authenticated as part of
   * every chunk); empty for an archive stored in plaintext. Reads at most {@link #MAX_HEADER} bytes.
   */
  public static Optional<String> keyIdOf(InputStream stored) throws IOException {
    DataInputStream data = new DataInputStream(stored);
    byte[] start = data.readNBytes(MAGIC.length);
    if (!Arrays.equals(start, MAGIC)) {
      return Optional.empty();
    }
    int idLength = data.read();
    if (idLength <= 0) {
      throw new ArchiveCorruptException("an encrypted archive's header is truncated");
    }
    byte[] id = data.readNBytes(idLength);
    if (id.length != idLength) {
      throw new ArchiveCorruptException("an encrypted archive's header is truncated");
    }
    return Optional.of(new String(id, StandardCharsets.UTF_8));
  }

  private static byte[] header(String keyId, byte[] prefix) {
    byte[] id = keyId.getBytes(StandardCharsets.UTF_8);
    ByteBuffer header = ByteBuffer.allocate(MAGIC.length + 1 + id.length + prefix.length);
    header.put(MAGIC).put((byte) id.length).put(id).put(prefix);
    return header.array();
  }

  private static Cipher cipher(int mode, byte[] key, byte[] prefix, byte[] header, int index, boolean last) {
    try {
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      byte[] nonce = ByteBuffer.allocate(12).put(prefix).putInt(index).array();
      cipher.init(mode, new SecretKeySpec(key, "AES"), new GCMParameterSpec(TAG_BITS, nonce));
      cipher.updateAAD(header);
      cipher.updateAAD(ByteBuffer.allocate(5).putInt(index).put((byte) (last ? 1 : 0)).array());
      return cipher;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-256-GCM is not available: " + e.getMessage(), e);
    }
  }

  /** Serves bytes from a current block, refilled by {@link #fill()}; -1 once {@link #fill()} has no more. */
  private abstract static class BlockStream extends InputStream {
    private byte[] block = new byte[0];
    private int position;
    private boolean done;

    /** The next block, or null at the end. */
    abstract byte[] next() throws IOException;

    private boolean fill() throws IOException {
      while (!done && position == block.length) {
        byte[] b = next();
        if (b == null) {
          done = true;
        } else {
          block = b;
          position = 0;
        }
      }
      return position < block.length;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (len == 0) {
        return 0;
      }
      if (!fill()) {
        return -1;
      }
      int n = Math.min(len, block.length - position);
      System.arraycopy(block, position, b, off, n);
      position += n;
      return n;
    }
  }

  private static final class Encrypting extends BlockStream {
    private final InputStream plain;
    private final byte[] header;
    private final byte[] prefix;
    private final byte[] key;
    private byte[] pending;
    private int index;
    private boolean headerSent;
    private boolean finished;

    Encrypting(InputStream plain, byte[] header, byte[] prefix, byte[] key) {
      this.plain = plain;
      this.header = header;
      this.prefix = prefix;
      this.key = key;
    }

    @Override
    byte[] next() throws IOException {
      if (!headerSent) {
        headerSent = true;
        pending = plain.readNBytes(CHUNK);
        return header;
      }
      if (finished) {
        return null;
      }
      // A chunk is the last one when nothing follows it: read one chunk ahead.
      byte[] chunk = pending;
      pending = chunk.length < CHUNK ? new byte[0] : plain.readNBytes(CHUNK);
      boolean last = pending.length == 0;
      byte[] sealed;
      try {
        sealed = cipher(Cipher.ENCRYPT_MODE, key, prefix, header, index++, last).doFinal(chunk);
      } catch (GeneralSecurityException e) {
        throw new IOException("encryption failed: " + e.getMessage(), e);
      }
      finished = last;
      return ByteBuffer.allocate(5 + sealed.length).put((byte) (last ? 1 : 0)).putInt(sealed.length).put(sealed)
          .array();
    }

    @Override
    public void close() throws IOException {
      plain.close();
    }
  }

  private static final class Decrypting extends BlockStream {
    private final DataInputStream in;
    private final byte[] header;
    private final byte[] prefix;
    private final byte[] key;
    private final String what;
    private int index;
    private boolean sawLast;

    Decrypting(DataInputStream in, byte[] header, byte[] prefix, byte[] key, String what) {
      this.in = in;
      this.header = header;
      this.prefix = prefix;
      this.key = key;
      this.what = what;
    }

    @Override
    byte[] next() throws IOException {
      int flag = in.read();
      if (flag < 0) {
        if (!sawLast) {
          throw new ArchiveCorruptException(what + " is truncated: its encrypted stream ends before its last chunk");
        }
        return null;
      }
      if (sawLast) {
        throw new ArchiveCorruptException(what + " has data after its last encrypted chunk");
      }
      if (flag > 1) {
        throw new ArchiveCorruptException(what + ": encrypted chunk " + index + " is malformed");
      }
      int length;
      byte[] sealed;
      try {
        length = in.readInt();
        if (length < TAG_BYTES || length > CHUNK + TAG_BYTES) {
          throw new ArchiveCorruptException(what + ": encrypted chunk " + index + " has an impossible length");
        }
        sealed = new byte[length];
        in.readFully(sealed);
      } catch (EOFException e) {
        throw new ArchiveCorruptException(what + " is truncated inside encrypted chunk " + index, e);
      }
      boolean last = flag == 1;
      try {
        byte[] plain = cipher(Cipher.DECRYPT_MODE, key, prefix, header, index++, last).doFinal(sealed);
        sawLast = last;
        return plain;
      } catch (AEADBadTagException e) {
        throw new ArchiveCorruptException(what + " cannot be decrypted: chunk " + (index - 1) + " fails its "
            + "authentication tag (a wrong key under the right id, or tampered ciphertext)", e);
      } catch (GeneralSecurityException e) {
        throw new IOException("decryption failed: " + e.getMessage(), e);
      }
    }

    @Override
    public void close() throws IOException {
      in.close();
    }
  }

  /** For tests and tools: the whole ciphertext of a byte array. */
  static byte[] encryptAll(byte[] plain, String keyId, byte[] key) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    encrypt(new java.io.ByteArrayInputStream(plain), keyId, key).transferTo(out);
    return out.toByteArray();
  }
}
